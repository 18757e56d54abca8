import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsInt, IsOptional, Max, Min } from 'class-validator';
import type { WebhookFaults } from '../config/sandbox-config';

const MAX_FAULT_MS = 600_000;

/** Partial: only the fields present change. */
export class UpdateWebhookFaultsDto {
  @ApiPropertyOptional() @IsOptional() @IsBoolean() duplicate?: boolean;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() shuffle?: boolean;
  @ApiPropertyOptional({ minimum: 0, maximum: MAX_FAULT_MS })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_FAULT_MS)
  shuffle_window_ms?: number;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() drop_first_attempt?: boolean;
  @ApiPropertyOptional({ minimum: 0, maximum: MAX_FAULT_MS })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_FAULT_MS)
  delay_ms?: number;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() deliver_before_response?: boolean;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() tamper_documents?: boolean;
}

export class WebhookFaultsView {
  @ApiProperty({ description: 'Every successful send is repeated at once with the same webhook-id' })
  duplicate!: boolean;
  @ApiProperty({ description: 'First attempts are held back a random 0..shuffle_window_ms' }) shuffle!: boolean;
  @ApiProperty() shuffle_window_ms!: number;
  @ApiProperty({ description: 'Attempt 1 is logged as dropped and never sent' }) drop_first_attempt!: boolean;
  @ApiProperty({ description: 'Each attempt waits a random 0..delay_ms first' }) delay_ms!: number;
  @ApiProperty({ description: 'POST /v1/envelopes answers only after its envelope.sent webhook was attempted' })
  deliver_before_response!: boolean;
  @ApiProperty({
    description:
      'Signed PDFs and audit trails are served with one byte changed, under the hash of the real ones ' +
      '(X-Content-SHA256): a platform whose storage or transport corrupts documents',
  })
  tamper_documents!: boolean;
}

export function toFaultsView(faults: WebhookFaults): WebhookFaultsView {
  return {
    duplicate: faults.duplicate,
    shuffle: faults.shuffle,
    shuffle_window_ms: faults.shuffleWindowMs,
    drop_first_attempt: faults.dropFirstAttempt,
    delay_ms: faults.delayMs,
    deliver_before_response: faults.deliverBeforeResponse,
    tamper_documents: faults.tamperDocuments,
  };
}

export function fromFaultsDto(dto: UpdateWebhookFaultsDto): Partial<WebhookFaults> {
  return {
    duplicate: dto.duplicate,
    shuffle: dto.shuffle,
    shuffleWindowMs: dto.shuffle_window_ms,
    dropFirstAttempt: dto.drop_first_attempt,
    delayMs: dto.delay_ms,
    deliverBeforeResponse: dto.deliver_before_response,
    tamperDocuments: dto.tamper_documents,
  };
}
