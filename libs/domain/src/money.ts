/** Money is integer cents with an ISO 4217 currency; never floating point. */
export interface Money {
  currency: string;
  amountCents: number;
}

export function isCurrencyCode(value: unknown): value is string {
  return typeof value === 'string' && /^[A-Z]{3}$/.test(value);
}
