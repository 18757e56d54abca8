/** Money is integer cents with an ISO 4217 currency; never floating point. */
export interface Money {
  currency: string;
  amountCents: number;
}
