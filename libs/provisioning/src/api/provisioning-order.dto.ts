import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';
import { PageQueryDto, PageOf } from '@app/common';

export const RUN_STATUSES = ['pending', 'running', 'succeeded', 'failed'] as const;
export const RUN_KINDS = ['provision', 'reverse'] as const;

export class ListProvisioningOrdersQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() contractId?: string;

  @ApiPropertyOptional({ enum: RUN_STATUSES }) @IsOptional() @IsIn(RUN_STATUSES) status?: (typeof RUN_STATUSES)[number];

  @ApiPropertyOptional({ example: 'access-credentials' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  action?: string;

  @ApiPropertyOptional({ enum: RUN_KINDS }) @IsOptional() @IsIn(RUN_KINDS) kind?: (typeof RUN_KINDS)[number];
}

export class ProvisioningOrderView {
  @ApiProperty({ format: 'uuid', description: 'The run id; also the `Idempotency-Key` of every call it makes' })
  id!: string;
  @ApiProperty({ format: 'uuid' }) contractId!: string;
  @ApiProperty({ format: 'uuid' }) customerId!: string;
  @ApiProperty({ example: 'access-credentials' }) action!: string;
  @ApiProperty({ enum: RUN_KINDS, description: '`reverse`: undoing a provision after a void or a full credit note' })
  kind!: string;
  @ApiProperty({ enum: RUN_STATUSES }) status!: string;
  @ApiProperty({ description: 'Calls made so far (reset by a manual retry)', example: 3 }) attempts!: number;
  @ApiProperty({
    nullable: true,
    type: String,
    format: 'date-time',
    description: 'Pending: when the next call is due. Running: when an abandoned claim may be taken over',
  })
  nextAttemptAt!: string | null;
  @ApiProperty({ nullable: true, type: Number, example: 503, description: "The target's last HTTP status" })
  lastStatusCode!: number | null;
  @ApiProperty({
    nullable: true,
    type: String,
    example: 'PROVISIONING.TARGET_REJECTED: HTTP 400',
    description: 'Why the last call did not succeed (a code first when the run failed)',
  })
  lastError!: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    example: 'PROVISIONING.TARGET_NOT_CONFIGURED',
    description: 'Failed runs: the code of the reason',
  })
  failureReason!: string | null;
  @ApiProperty({
    nullable: true,
    type: 'object',
    additionalProperties: true,
    description: "The target's last answer (JSON, or {text})",
  })
  response!: unknown;
  @ApiProperty({ nullable: true, type: String, example: 'acc_1042', description: 'Account id, order number…' })
  resultRef!: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true, description: "The action's params from the contract" })
  params!: Record<string, unknown>;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) completedAt!: string | null;
}

export class ProvisioningOrderPage extends PageOf(ProvisioningOrderView) {}
