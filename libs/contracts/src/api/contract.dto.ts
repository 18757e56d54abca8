import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsEmail,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import { PageQueryDto } from '@app/common';
import { SIGNATURE_LEVELS, type SignatureLevel } from '@app/domain';
import { CONTRACT_STATUSES, type ContractStatus } from '../lifecycle';

export class MoneyDto {
  @ApiProperty({ example: 'EUR', description: 'ISO 4217' })
  @Matches(/^[A-Z]{3}$/, { message: 'currency must be an ISO 4217 code such as EUR' })
  currency!: string;

  @ApiProperty({ example: 120000, description: 'Integer cents: 120000 is 1,200.00' })
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  amountCents!: number;
}

export class SignerDto {
  @ApiProperty({ example: 'ana@acme.example' }) @IsEmail() email!: string;
  @ApiProperty({ example: 'Ana García' }) @IsString() @Length(1, 200) name!: string;
}

export class CreateContractDto {
  @ApiProperty({ format: 'uuid' }) @IsUUID() customerId!: string;

  @ApiProperty({ example: 'sandbox', enum: ['sandbox'] })
  @IsIn(['sandbox'])
  provider!: string;

  @ApiProperty({ example: 'env_7f3a9c', description: "The platform's envelope id" })
  @IsString()
  @Length(1, 200)
  envelopeId!: string;

  @ApiPropertyOptional({ example: 'Service agreement 2026' })
  @IsOptional()
  @IsString()
  @Length(1, 300)
  title?: string;

  @ApiProperty({ type: [SignerDto] })
  @ValidateNested({ each: true })
  @Type(() => SignerDto)
  @ArrayMinSize(1)
  @ArrayMaxSize(20)
  signers!: SignerDto[];

  @ApiProperty({ type: MoneyDto })
  @ValidateNested()
  @Type(() => MoneyDto)
  amount!: MoneyDto;

  @ApiPropertyOptional({ enum: SIGNATURE_LEVELS, default: 'simple' })
  @IsOptional()
  @IsIn(SIGNATURE_LEVELS)
  requiredSignatureLevel?: SignatureLevel;
}

export class ListContractsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() customerId?: string;

  @ApiPropertyOptional({ enum: CONTRACT_STATUSES })
  @IsOptional()
  @IsIn(CONTRACT_STATUSES)
  status?: ContractStatus;
}

export class SignerView {
  @ApiProperty() email!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) signedAt!: string | null;
  @ApiProperty({ nullable: true, enum: SIGNATURE_LEVELS }) signatureLevel!: SignatureLevel | null;
}

export class HoldView {
  @ApiProperty({ example: 'SIGNATURE.LEVEL_TOO_LOW' }) reason!: string;
  @ApiProperty() detail!: string;
}

export class ContractView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) customerId!: string;
  @ApiProperty({ example: 'sandbox' }) provider!: string;
  @ApiProperty() envelopeId!: string;
  @ApiProperty({ nullable: true, type: String }) title!: string | null;
  @ApiProperty({ enum: CONTRACT_STATUSES, example: 'sent' }) status!: ContractStatus;
  @ApiProperty({ type: MoneyDto }) amount!: MoneyDto;
  @ApiProperty({ enum: SIGNATURE_LEVELS }) requiredSignatureLevel!: SignatureLevel;
  @ApiProperty({ type: [SignerView] }) signers!: SignerView[];
  @ApiProperty({ nullable: true, type: HoldView }) hold!: HoldView | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
}

export class ContractPage {
  @ApiProperty({ type: [ContractView] }) items!: ContractView[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}

export class TimelineItemView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: ['provider_event', 'system'] }) kind!: string;
  @ApiProperty({ example: 'signer_signed' }) type!: string;
  @ApiProperty({ enum: ['advanced', 'recorded', 'duplicate', 'anomaly'] }) outcome!: string;
  @ApiProperty({ nullable: true, type: String, example: 'SIGNER_UNKNOWN' }) anomaly!: string | null;
  @ApiProperty({ nullable: true, type: String }) statusBefore!: string | null;
  @ApiProperty() statusAfter!: string;
  @ApiProperty({ format: 'date-time' }) occurredAt!: string;
  @ApiProperty({ format: 'date-time' }) recordedAt!: string;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) inboundEventId!: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true }) detail!: Record<string, unknown>;
}

export class TimelineView {
  @ApiProperty({ type: [TimelineItemView] }) items!: TimelineItemView[];
}
