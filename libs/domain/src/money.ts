/** Money is integer cents with an ISO 4217 currency; never floating point. */
export interface Money {
  currency: string;
  amountCents: number;
}

/**
 * The ISO 4217 currencies whose minor unit is the hundredth, from the runtime's ICU data: amounts are stored in
 * cents and invoices print two decimals, so JPY (no minor unit), KWD (thousandths) and codes that are not
 * currencies (XXX, ZZZ) are refused rather than billed wrong. Built on first use (about 20 ms), not when a process
 * loads this module.
 */
let centCurrencies: ReadonlySet<string> | undefined;

export function isCentCurrency(code: string): boolean {
  centCurrencies ??= new Set(
    Intl.supportedValuesOf('currency').filter(
      (currency) =>
        new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits === 2,
    ),
  );
  return centCurrencies.has(code);
}
