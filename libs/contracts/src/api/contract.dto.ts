import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsEmail,
  IsIn,
  IsInt,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateBy,
  ValidateNested,
} from 'class-validator';
import { IsInstant, PageQueryDto, PageOf } from '@app/common';
import { isCentCurrency, SIGNATURE_LEVELS, type SignatureLevel } from '@app/domain';
import { CONTRACT_STATUSES, type ContractStatus } from '../lifecycle';
import { AddressDto } from './customer.dto';

export class MoneyDto {
  @ApiProperty({ example: 'EUR', description: 'ISO 4217, a currency with two decimals (amounts are in cents)' })
  @IsString()
  @ValidateBy({
    name: 'isCentCurrency',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && isCentCurrency(value),
      defaultMessage: () => 'currency must be an ISO 4217 code with two decimals, such as EUR (not JPY or KWD)',
    },
  })
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

/** A PDF as base64: at most 10 MB once decoded (the check on the decoded bytes is in the use case). */
export const MAX_DOCUMENT_BASE64_LENGTH = Math.ceil((10 * 1024 * 1024) / 3) * 4;

export class ContractDocumentDto {
  @ApiProperty({ example: 'service-agreement.pdf' })
  @IsString()
  @Length(1, 200)
  // eslint-disable-next-line no-control-regex -- control characters are exactly what the pattern rejects
  @Matches(/^[^/\\\x00-\x1f]+$/, { message: 'filename must be a plain file name (no path, no control characters)' })
  filename!: string;

  @ApiProperty({ description: 'The PDF, base64-encoded (at most 10 MB decoded)', example: 'JVBERi0xLjcK...' })
  @IsString()
  @Length(8, MAX_DOCUMENT_BASE64_LENGTH)
  contentBase64!: string;
}

export class BillingLineDto {
  @ApiProperty({ example: 'Service, first month' }) @IsString() @Length(1, 500) description!: string;
  @ApiProperty({ example: 1, minimum: 1 }) @IsInt() @Min(1) @Max(1_000_000) quantity!: number;
  @ApiProperty({ example: 99000, description: 'Integer cents, before VAT' })
  @IsInt()
  @Min(0)
  @Max(1_000_000_000_000)
  unitPriceCents!: number;
  @ApiProperty({ example: 21, description: 'VAT percent (0 to 100, at most two decimals)' })
  @IsNumber({ maxDecimalPlaces: 2 })
  @Min(0)
  @Max(100)
  vatRate!: number;
}

export class BillingPartyDto {
  @ApiPropertyOptional({ example: 'Acme Holding S.A.', description: "The invoice's legal name, if not the customer's" })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  name?: string;

  @ApiPropertyOptional({ example: 'ESA87654321', description: "The tax id on the invoice, if not the customer's" })
  @IsOptional()
  @IsString()
  @Length(1, 50)
  taxId?: string;

  @ApiPropertyOptional({ example: 'ap@acme.example', description: 'Where the invoice is mailed, if not the customer' })
  @IsOptional()
  @IsEmail()
  @MaxLength(320)
  email?: string;

  @ApiPropertyOptional({
    type: AddressDto,
    description: 'The postal address on the invoice; required here when the customer was registered without one',
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => AddressDto)
  address?: AddressDto;
}

export class BillingDto {
  @ApiPropertyOptional({ type: [BillingLineDto], description: 'What the first invoice bills. Give this or `plan`.' })
  @IsOptional()
  @ValidateNested({ each: true })
  @Type(() => BillingLineDto)
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  lines?: BillingLineDto[];

  @ApiPropertyOptional({ example: 'basic', description: 'A plan of the catalogue (BILLING_PLANS) instead of lines' })
  @IsOptional()
  @IsString()
  @Length(1, 50)
  plan?: string;

  @ApiPropertyOptional({
    type: BillingPartyDto,
    description:
      'Who the invoice is made out to, part by part where it differs from the customer. An invoice must carry the ' +
      "customer's postal address: a contract with billing is refused (400) when neither the customer nor this has one",
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => BillingPartyDto)
  party?: BillingPartyDto;
}

export class ProvisioningActionDto {
  @ApiProperty({ example: 'access-credentials', description: 'access-credentials, warehouse-order, or one you added' })
  @Matches(/^[a-z][a-z0-9-]{1,49}$/, { message: 'action must be a lower-case name such as access-credentials' })
  action!: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    example: { plan: 'pro', seats: 5 },
    description: 'Sent to the target as given',
  })
  @IsOptional()
  @IsObject()
  params?: Record<string, unknown>;
}

export class CreateContractDto {
  @ApiProperty({ format: 'uuid' }) @IsUUID() customerId!: string;

  @ApiProperty({ example: 'sandbox', enum: ['sandbox'] })
  @IsIn(['sandbox'])
  provider!: string;

  @ApiPropertyOptional({
    example: 'env_7f3a9c',
    description: 'Register an envelope already sent on the platform: its id. Give this or `document`, not both.',
  })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  envelopeId?: string;

  @ApiPropertyOptional({
    type: ContractDocumentDto,
    description: 'Send this PDF for signature through the provider now. Give this or `envelopeId`, not both.',
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => ContractDocumentDto)
  document?: ContractDocumentDto;

  @ApiPropertyOptional({
    format: 'date-time',
    description: "When sending: the signing deadline (default: the platform's)",
  })
  @IsOptional()
  @IsInstant()
  expiresAt?: string;

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

  @ApiPropertyOptional({ type: BillingDto, description: 'What the first invoice bills once the contract is active' })
  @IsOptional()
  @ValidateNested()
  @Type(() => BillingDto)
  billing?: BillingDto;

  @ApiPropertyOptional({ type: [ProvisioningActionDto], description: 'Run once each when the contract is active' })
  @IsOptional()
  @ValidateNested({ each: true })
  @Type(() => ProvisioningActionDto)
  @ArrayMaxSize(10)
  provisioning?: ProvisioningActionDto[];
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
  @ApiProperty({ nullable: true, type: String, description: 'The signing link, for contracts SignBridge sent' })
  signingUrl!: string | null;
}

export class DocumentRefView {
  @ApiProperty({ nullable: true, type: String }) filename!: string | null;
  @ApiProperty({ description: 'SHA-256 (hex) of the PDF as sent for signature' }) sha256!: string;
}

export class ReleaseHoldDto {
  @ApiProperty({
    example: 'Level accepted: the customer signed the paper annex in person on 2026-11-20 (file ERP-42/7).',
    description: 'Why the hold may be released; kept with the audit entry',
  })
  @IsString()
  @Length(10, 2000)
  justification!: string;
}

export class VoidContractDto {
  @ApiPropertyOptional({ example: 'Customer changed plan', description: 'Passed to the platform' })
  @IsOptional()
  @IsString()
  @Length(1, 500)
  reason?: string;
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
  @ApiProperty({ nullable: true, type: DocumentRefView }) document!: DocumentRefView | null;
  @ApiProperty({ nullable: true, type: BillingDto }) billing!: BillingDto | null;
  @ApiProperty({ type: [ProvisioningActionDto] }) provisioning!: ProvisioningActionDto[];
  @ApiProperty({
    nullable: true,
    type: String,
    format: 'date-time',
    description: 'When a void was requested; the status turns `voided` once the platform confirms',
  })
  voidRequestedAt!: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    format: 'date-time',
    description: 'When the reconciler last asked the platform about this contract (README "The reconciler")',
  })
  reconciledAt!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
}

export class ContractPage extends PageOf(ContractView) {}

export class ReconciliationView {
  @ApiProperty({ example: 'partially_signed' }) statusBefore!: string;
  @ApiProperty({
    example: 2,
    description: 'Events the platform reported that the contract did not have (0: it already knew everything)',
  })
  applied!: number;
  @ApiProperty({ type: ContractView, description: 'The contract after them' }) contract!: ContractView;
}

export class TimelineItemView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({
    enum: ['provider_event', 'reconciled', 'system'],
    description:
      "`provider_event`: from a webhook (`inboundEventId`); `reconciled`: read from the platform's API by the " +
      "reconciler, a webhook that never arrived; `system`: SignBridge's own (archive report, hold release, void)",
  })
  kind!: string;
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
