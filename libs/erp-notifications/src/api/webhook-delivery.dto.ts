import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsUUID } from 'class-validator';
import { IsInstant, PageQueryDto, PageOf } from '@app/common';
import { SUBSCRIBABLE_EVENT_TYPES } from '../webhook-request';

export const DELIVERY_STATUSES = ['pending', 'running', 'delivered', 'dead'] as const;

export class ListWebhookDeliveriesQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() endpointId?: string;

  @ApiPropertyOptional({ enum: DELIVERY_STATUSES, description: '`dead`: the dead letters, waiting for a replay' })
  @IsOptional()
  @IsIn(DELIVERY_STATUSES)
  status?: (typeof DELIVERY_STATUSES)[number];

  @ApiPropertyOptional({ example: 'InvoiceIssued' })
  @IsOptional()
  @IsIn(SUBSCRIBABLE_EVENT_TYPES.filter((t) => t !== '*'))
  eventType?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'The domain event (the `id` in the body the ERP receives)' })
  @IsOptional()
  @IsUUID()
  eventId?: string;
}

export class ReplayWebhookDeliveriesDto {
  @ApiProperty({ format: 'uuid', description: 'Whose dead deliveries to replay' }) @IsUUID() endpointId!: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Only deliveries created at or after this' })
  @IsOptional()
  @IsInstant()
  since?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Only deliveries created before this' })
  @IsOptional()
  @IsInstant()
  until?: string;
}

export class BackfillWebhookDeliveriesDto {
  @ApiProperty({ format: 'date-time', description: 'Events SignBridge recorded at or after this' })
  @IsInstant()
  since!: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Events recorded before this (default: now)' })
  @IsOptional()
  @IsInstant()
  until?: string;
}

export class BackfilledWebhookDeliveries {
  @ApiProperty({ example: 120, description: 'Deliveries made for events the endpoint had not been sent, due now' })
  backfilled!: number;
  @ApiProperty({ description: 'More such events match: call again (1,000 per call)' })
  more!: boolean;
}

export class ReplayedWebhookDeliveries {
  @ApiProperty({ example: 42, description: 'Dead deliveries made pending again, due now' }) replayed!: number;
  @ApiProperty({ description: 'More dead deliveries match: call again (1,000 are replayed per call)' })
  more!: boolean;
}

export class WebhookDeliveryView {
  @ApiProperty({ format: 'uuid', description: 'Sent as `X-SignBridge-Delivery-Id`' }) id!: string;
  @ApiProperty({ format: 'uuid' }) endpointId!: string;
  @ApiProperty({ format: 'uuid', description: 'The domain event; the `id` and `Idempotency-Key` the ERP receives' })
  eventId!: string;
  @ApiProperty({ example: 'InvoiceIssued' }) eventType!: string;
  @ApiProperty({ enum: DELIVERY_STATUSES }) status!: string;
  @ApiProperty({ description: 'Calls made so far (reset by a replay)', example: 3 }) attempts!: number;
  @ApiProperty({
    nullable: true,
    type: String,
    format: 'date-time',
    description: 'Pending: when the next call is due. Running: when an abandoned claim may be taken over',
  })
  nextAttemptAt!: string | null;
  @ApiProperty({ nullable: true, type: Number, example: 503, description: "The endpoint's last HTTP status" })
  lastStatusCode!: number | null;
  @ApiProperty({
    nullable: true,
    type: String,
    example: 'HTTP 503',
    description: 'Why the last call failed; for a dead delivery, its reason code first',
  })
  lastError!: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    example: 'WEBHOOK.ATTEMPTS_EXHAUSTED',
    description: 'Dead deliveries: the code of the reason',
  })
  failureReason!: string | null;
  @ApiProperty({ nullable: true, type: String, description: "The first 2 KB of the endpoint's last answer" })
  lastResponse!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) deliveredAt!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
}

export class WebhookDeliveryPage extends PageOf(WebhookDeliveryView) {}
