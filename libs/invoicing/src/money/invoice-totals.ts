/**
 * Invoice arithmetic in integer cents, never floating point (STYLE.md). The rule, stored on every invoice as
 * `rounding_rule`:
 *
 * - each line's base is quantity × unit price, exact in cents (quantities are whole numbers);
 * - VAT is computed once per rate, on the sum of that rate's line bases (EN 16931 BR-CO-17, erp-legal.md §2),
 *   rounded half-up to the cent, halves away from zero so a credit note is the exact negation of its invoice;
 * - totals are sums of those rounded figures, so what is printed adds up exactly.
 */
export const ROUNDING_RULE = 'vat-per-rate-on-summed-line-bases/half-up' as const;

export interface InvoiceLineInput {
  description: string;
  /** Whole units; negative on a credit note. */
  quantity: number;
  unitPriceCents: number;
  /** Percent with at most two decimals: 21, 10, 4, 0, 10.5. */
  vatRate: number;
}

export interface InvoiceLine extends InvoiceLineInput {
  baseCents: number;
}

export interface TaxBreakdownRow {
  rate: number;
  baseCents: number;
  vatCents: number;
}

export interface InvoiceTotals {
  lines: InvoiceLine[];
  taxBreakdown: TaxBreakdownRow[];
  totalBaseCents: number;
  totalVatCents: number;
  totalCents: number;
}

/** The rate in hundredths of a percent (basis points), refusing anything finer than two decimals. */
export function rateBasisPoints(rate: number): number {
  const bp = Math.round(rate * 100);
  if (!Number.isFinite(rate) || rate < 0 || rate > 100 || Math.abs(rate * 100 - bp) > 1e-6) {
    throw new RangeError(`VAT rate ${rate}: expected a percent from 0 to 100 with at most two decimals`);
  }
  return bp;
}

/** base × rate / 100, rounded half away from zero, exact (BigInt) however large the base. */
export function vatCents(baseCents: number, rate: number): number {
  const bp = BigInt(rateBasisPoints(rate));
  const base = BigInt(baseCents);
  const magnitude = ((base < 0n ? -base : base) * bp * 2n + 10_000n) / 20_000n;
  return Number(base < 0n ? -magnitude : magnitude);
}

export function computeInvoiceTotals(inputs: readonly InvoiceLineInput[]): InvoiceTotals {
  if (inputs.length === 0) throw new RangeError('An invoice needs at least one line');
  const lines = inputs.map((line): InvoiceLine => {
    if (!Number.isSafeInteger(line.quantity) || !Number.isSafeInteger(line.unitPriceCents)) {
      throw new RangeError(`Line "${line.description}": quantity and unitPriceCents must be whole numbers`);
    }
    const baseCents = line.quantity * line.unitPriceCents;
    if (!Number.isSafeInteger(baseCents)) throw new RangeError(`Line "${line.description}": amount too large`);
    rateBasisPoints(line.vatRate);
    return { ...line, baseCents };
  });
  const bases = new Map<number, number>();
  for (const line of lines) bases.set(line.vatRate, (bases.get(line.vatRate) ?? 0) + line.baseCents);
  const taxBreakdown = [...bases.entries()]
    .sort(([a], [b]) => b - a)
    .map(([rate, baseCents]) => ({ rate, baseCents, vatCents: vatCents(baseCents, rate) }));
  const totalBaseCents = taxBreakdown.reduce((sum, row) => sum + row.baseCents, 0);
  const totalVatCents = taxBreakdown.reduce((sum, row) => sum + row.vatCents, 0);
  return { lines, taxBreakdown, totalBaseCents, totalVatCents, totalCents: totalBaseCents + totalVatCents };
}

/** Cents as a decimal with two places and a point: 12345 → "123.45", -5 → "-0.05" (VeriFactu, the QR, the PDF). */
export function formatCents(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}
