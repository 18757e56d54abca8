import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, MaxLength } from 'class-validator';
import type { AttemptOutcome } from './webhook-http.client';
import type { AttemptRow, DeliveryRecord } from './webhook-delivery.repository';
import { WEBHOOK_MESSAGE_STATUSES, type WebhookMessageStatus } from './webhook-message.store';
import { SANDBOX_WEBHOOK_TYPES } from './webhook-outbox';

const OUTCOMES: readonly AttemptOutcome[] = ['delivered', 'http_error', 'timeout', 'network_error', 'dropped'];

export class ListWebhookDeliveriesQueryDto {
  @ApiPropertyOptional({ example: 'env_2hJ4k9' }) @IsOptional() @IsString() @MaxLength(200) envelope_id?: string;

  @ApiPropertyOptional({ enum: WEBHOOK_MESSAGE_STATUSES })
  @IsOptional()
  @IsIn(WEBHOOK_MESSAGE_STATUSES)
  status?: WebhookMessageStatus;

  @ApiPropertyOptional({ enum: SANDBOX_WEBHOOK_TYPES }) @IsOptional() @IsString() @MaxLength(100) type?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;

  @ApiPropertyOptional({ description: 'The `next_cursor` of the previous page' })
  @IsOptional()
  @Matches(/^\d{1,18}$/, { message: 'before must be a next_cursor returned by this API' })
  before?: string;
}

export class WebhookAttemptView {
  @ApiProperty({ description: '1-based; a duplicate send repeats the number of the attempt it copies' })
  attempt!: number;
  @ApiProperty({ format: 'date-time' }) started_at!: string;
  @ApiProperty() duration_ms!: number;
  @ApiProperty({ enum: OUTCOMES }) outcome!: AttemptOutcome;
  @ApiProperty({ nullable: true, type: Number }) status_code!: number | null;
  @ApiProperty({ nullable: true, type: String, description: 'First KB of the response body' })
  response!: string | null;
  @ApiProperty({ nullable: true, type: String }) error!: string | null;
  @ApiProperty({ description: 'Sent again by the duplicate fault after a successful attempt' })
  duplicate!: boolean;
}

export class WebhookDeliveryView {
  @ApiProperty({ example: 'msg_3Qf9x1Lw0aZ2r7TtY5Hk', description: 'Also the webhook-id header' }) id!: string;
  @ApiProperty() envelope_id!: string;
  @ApiProperty({ enum: SANDBOX_WEBHOOK_TYPES }) type!: string;
  @ApiProperty() url!: string;
  @ApiProperty({ enum: WEBHOOK_MESSAGE_STATUSES }) status!: WebhookMessageStatus;
  @ApiProperty() attempts!: number;
  @ApiProperty({ format: 'date-time', description: 'Meaningful while pending' }) next_attempt_at!: string;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) delivered_at!: string | null;
  @ApiProperty({ nullable: true, type: String }) last_error!: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'The JSON body sent, parsed' })
  body!: unknown;
  @ApiProperty({ type: [WebhookAttemptView] }) attempt_log!: WebhookAttemptView[];
}

export class WebhookDeliveryPage {
  @ApiProperty({ type: [WebhookDeliveryView] }) items!: WebhookDeliveryView[];
  @ApiProperty({ nullable: true, type: String }) next_cursor!: string | null;
}

export function toDeliveryView({ message, attempts }: DeliveryRecord): WebhookDeliveryView {
  return {
    id: message.id,
    envelope_id: message.envelope_id,
    type: message.type,
    url: message.url,
    status: message.status,
    attempts: message.attempts,
    next_attempt_at: message.next_attempt_at.toISOString(),
    created_at: message.created_at.toISOString(),
    delivered_at: message.delivered_at?.toISOString() ?? null,
    last_error: message.last_error,
    body: JSON.parse(message.body) as unknown,
    attempt_log: attempts.map(toAttemptView),
  };
}

function toAttemptView(row: AttemptRow): WebhookAttemptView {
  return {
    attempt: row.attempt,
    started_at: row.started_at.toISOString(),
    duration_ms: row.duration_ms,
    outcome: row.outcome,
    status_code: row.status_code,
    response: row.response,
    error: row.error,
    duplicate: row.duplicate,
  };
}
