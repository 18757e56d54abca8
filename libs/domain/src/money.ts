/** Money is integer cents with an ISO 4217 currency; never floating point. */
export interface Money {
  currency: string;
  amountCents: number;
}

/**
 * The ISO 4217 currencies whose minor unit is the hundredth, from the runtime's ICU data: amounts are stored in
 * cents and invoices print two decimals, so JPY (no minor unit), KWD (thousandths) and codes that are not
 * currencies (XXX, ZZZ) are refused rather than billed wrong.
 */
const CENT_CURRENCIES: ReadonlySet<string> = new Set(
  Intl.supportedValuesOf('currency').filter(
    (code) =>
      new Intl.NumberFormat('en', { style: 'currency', currency: code }).resolvedOptions().maximumFractionDigits === 2,
  ),
);

export function isCentCurrency(code: string): boolean {
  return CENT_CURRENCIES.has(code);
}
