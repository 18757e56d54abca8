import { ApiExtraModels, ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import { IsCalendarDate, PageQueryDto, PageOf } from '@app/common';
import { formatAddress } from '@app/domain';
import type { InvoiceRow } from '../usecases/shared/invoice-row';
import { invoiceQrUrl } from '../verifactu/verifactu-qr';

const FINGERPRINT = '3C464DAF61ACB827C65FDA19F352A4E3BDC2C640E9E9FC4CC058073F38F12F60';

export class ListInvoicesQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() customerId?: string;
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() contractId?: string;
  @ApiPropertyOptional({ enum: ['issued', 'sent'] }) @IsOptional() @IsIn(['issued', 'sent']) status?: string;
  @ApiPropertyOptional({ enum: ['invoice', 'credit_note'] })
  @IsOptional()
  @IsIn(['invoice', 'credit_note'])
  kind?: string;
  @ApiPropertyOptional({ format: 'date', example: '2026-01-01', description: 'Issued on or after this date' })
  @IsOptional()
  @IsCalendarDate()
  from?: string;
  @ApiPropertyOptional({ format: 'date', example: '2026-12-31', description: 'Issued on or before this date' })
  @IsOptional()
  @IsCalendarDate()
  to?: string;
}

export class CreditLineDto {
  @ApiProperty({ example: 'Pro plan, first month (refund)' }) @IsString() @Length(1, 500) description!: string;
  @ApiProperty({ example: 1, minimum: 1, description: 'Units credited (positive; the note carries them negative)' })
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  quantity!: number;
  @ApiProperty({ example: 19900, description: 'Integer cents, before VAT' })
  @IsInt()
  @Min(0)
  @Max(1_000_000_000_000)
  unitPriceCents!: number;
  @ApiProperty({ example: 21, description: 'VAT percent; must be a rate of the invoice' })
  @IsNumber({ maxDecimalPlaces: 2 })
  @Min(0)
  @Max(100)
  vatRate!: number;
}

export class CreateCreditNoteDto {
  @ApiProperty({ example: 'Service cancelled within the trial period', description: 'Printed on the credit note' })
  @IsString()
  @Length(1, 500)
  reason!: string;

  @ApiPropertyOptional({ type: [CreditLineDto], description: 'What to credit; unset: the whole invoice' })
  @IsOptional()
  @ValidateNested({ each: true })
  @Type(() => CreditLineDto)
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  lines?: CreditLineDto[];
}

export class MoneyView {
  @ApiProperty({ example: 'EUR' }) currency!: string;
  @ApiProperty({ example: 24079, description: 'Integer cents; negative on a credit note' }) amountCents!: number;
}

export class InvoiceLineView {
  @ApiProperty({ example: 'Pro plan, first month' }) description!: string;
  @ApiProperty({ example: 1 }) quantity!: number;
  @ApiProperty({ type: MoneyView }) unitPrice!: MoneyView;
  @ApiProperty({ example: 21 }) vatRate!: number;
  @ApiProperty({ type: MoneyView, description: 'quantity × unit price' }) base!: MoneyView;
}

export class TaxBreakdownView {
  @ApiProperty({ example: 21 }) rate!: number;
  @ApiProperty({ type: MoneyView }) base!: MoneyView;
  @ApiProperty({ type: MoneyView }) vat!: MoneyView;
}

export class SellerView {
  @ApiProperty({ example: 'SignBridge Demo S.L.' }) name!: string;
  @ApiProperty({ example: 'B00000000' }) taxId!: string;
  @ApiProperty({ example: 'Calle de Alcalá 1, 28014 Madrid, Spain' }) address!: string;
}

export class BuyerView {
  @ApiProperty({ example: 'Acme S.L.' }) name!: string;
  @ApiProperty({ nullable: true, type: String, example: 'ESB12345678' }) taxId!: string | null;
  @ApiProperty({ example: 'Gran Vía 2, 28013 Madrid, ES', description: 'One line; empty when unknown' })
  address!: string;
  @ApiProperty({ example: 'billing@acme.example' }) email!: string;
}

export class VerifactuView {
  @ApiProperty({ example: FINGERPRINT, description: 'SHA-256 (uppercase hex) of the alta record' })
  fingerprint!: string;
  @ApiProperty({ nullable: true, type: String, description: 'The previous record’s; null for the first' })
  previousFingerprint!: string | null;
  @ApiProperty({ example: '2026-03-09T12:00:00+01:00', description: 'FechaHoraHusoGenRegistro, as hashed' })
  generatedAt!: string;
  @ApiProperty({ example: 1, description: 'Position in the issuer’s chain' }) chainPosition!: number;
  @ApiProperty({
    example:
      'https://www2.agenciatributaria.gob.es/wlpl/TIKE-CONT/ValidarQRNoVerifactu?nif=B00000000&numserie=F2026-000001&fecha=09-03-2026&importe=240.79',
    description: 'What the QR code on the PDF carries',
  })
  qrUrl!: string;
}

export class InvoiceView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: ['invoice', 'credit_note'] }) kind!: 'invoice' | 'credit_note';
  @ApiProperty({ example: 'F2026-000001', description: 'Series, year and number in the series' }) number!: string;
  @ApiProperty({ example: 'F' }) series!: string;
  @ApiProperty({ example: 2026 }) year!: number;
  @ApiProperty({ example: 1, description: 'Gapless and increasing per series and year' }) sequence!: number;
  @ApiProperty({ format: 'uuid' }) contractId!: string;
  @ApiProperty({ format: 'uuid' }) customerId!: string;
  @ApiProperty({ nullable: true, type: String, format: 'uuid', description: 'Credit notes: the invoice corrected' })
  correctsInvoiceId!: string | null;
  @ApiProperty({ nullable: true, type: String, example: null }) correctsNumber!: string | null;
  @ApiProperty({ nullable: true, type: String, example: null }) creditReason!: string | null;
  @ApiProperty({ format: 'date', example: '2026-03-09' }) issueDate!: string;
  @ApiProperty({ type: SellerView }) seller!: SellerView;
  @ApiProperty({ type: BuyerView }) buyer!: BuyerView;
  @ApiProperty({ type: [InvoiceLineView] }) lines!: InvoiceLineView[];
  @ApiProperty({ type: [TaxBreakdownView] }) taxBreakdown!: TaxBreakdownView[];
  @ApiProperty({ type: MoneyView }) totalBase!: MoneyView;
  @ApiProperty({ type: MoneyView }) totalVat!: MoneyView;
  @ApiProperty({ type: MoneyView }) total!: MoneyView;
  @ApiProperty({ example: 'vat-per-rate-on-summed-line-bases/half-up' }) roundingRule!: string;
  @ApiProperty({ type: VerifactuView }) verifactu!: VerifactuView;
  @ApiProperty({ enum: ['issued', 'sent'] }) status!: 'issued' | 'sent';
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) sentAt!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

export class InvoicePage extends PageOf(InvoiceView) {}

export class InvoiceChainHeadView {
  @ApiProperty({ example: 'F2026-000042' }) number!: string;
  @ApiProperty({ example: FINGERPRINT }) fingerprint!: string;
}

export class InvoiceChainValidView {
  @ApiProperty({ enum: [true] }) valid!: true;
  @ApiProperty({ example: 'B00000000' }) issuerTaxId!: string;
  @ApiProperty({ example: 42 }) records!: number;
  @ApiProperty({ type: InvoiceChainHeadView, nullable: true }) head!: InvoiceChainHeadView | null;
}

export class InvoiceChainBreakView {
  @ApiProperty({ example: 'F2026-000017' }) number!: string;
  @ApiProperty({ example: 17 }) chainPosition!: number;
  @ApiProperty({ enum: ['position_gap', 'previous_mismatch', 'fingerprint_mismatch'] })
  reason!: 'position_gap' | 'previous_mismatch' | 'fingerprint_mismatch';
  @ApiProperty({ nullable: true, type: String }) expected!: string | null;
  @ApiProperty({ nullable: true, type: String }) actual!: string | null;
}

export class InvoiceChainBrokenView {
  @ApiProperty({ enum: [false] }) valid!: false;
  @ApiProperty({ example: 16, description: 'Records that held before the break' }) recordsChecked!: number;
  @ApiProperty({ type: InvoiceChainBreakView }) brokenAt!: InvoiceChainBreakView;
}

export const INVOICE_MODELS = ApiExtraModels(InvoiceChainValidView, InvoiceChainBrokenView);

export function toInvoiceView(row: InvoiceRow): InvoiceView {
  const money = (amountCents: number) => ({ currency: row.currency, amountCents });
  return {
    id: row.id,
    kind: row.kind,
    number: row.full_number,
    series: row.series,
    year: row.year,
    sequence: row.number,
    contractId: row.contract_id,
    customerId: row.customer_id,
    correctsInvoiceId: row.corrects_invoice_id,
    correctsNumber: row.corrects_number,
    creditReason: row.credit_reason,
    issueDate: row.issue_date,
    seller: row.seller,
    buyer: {
      name: row.buyer.name,
      taxId: row.buyer.taxId,
      address: formatAddress(row.buyer.address),
      email: row.buyer.email,
    },
    lines: row.lines.map((l) => ({
      description: l.description,
      quantity: l.quantity,
      unitPrice: money(l.unitPriceCents),
      vatRate: l.vatRate,
      base: money(l.baseCents),
    })),
    taxBreakdown: row.tax_breakdown.map((t) => ({ rate: t.rate, base: money(t.baseCents), vat: money(t.vatCents) })),
    totalBase: money(row.total_base_cents),
    totalVat: money(row.total_vat_cents),
    total: money(row.total_cents),
    roundingRule: row.rounding_rule,
    verifactu: {
      fingerprint: row.fingerprint,
      previousFingerprint: row.previous_fingerprint,
      generatedAt: row.fingerprint_generated_at,
      chainPosition: row.chain_position,
      qrUrl: invoiceQrUrl({
        issuerTaxId: row.issuer_tax_id,
        number: row.full_number,
        issueDate: row.issue_date,
        totalCents: row.total_cents,
      }),
    },
    status: row.status,
    sentAt: row.sent_at ? row.sent_at.toISOString() : null,
    createdAt: row.created_at.toISOString(),
  };
}
