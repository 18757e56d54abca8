import { requiredSignatureLevel } from './signature-policy';

const POLICY = [
  { level: 'advanced' as const, currency: 'EUR', minAmountCents: 1_000_000 },
  { level: 'qualified' as const, currency: 'EUR', minAmountCents: 25_000_000 },
];
const eur = (amountCents: number) => ({ currency: 'EUR', amountCents });

describe('requiredSignatureLevel', () => {
  it.each([
    [999_999, undefined, 'simple'],
    [1_000_000, undefined, 'advanced'],
    [1_000_000, 'simple', 'advanced'],
    [24_999_999, 'qualified', 'qualified'],
    [25_000_000, 'advanced', 'qualified'],
    [10, 'advanced', 'advanced'],
  ] as const)('%i cents, asked %s → %s', (cents, requested, expected) => {
    expect(requiredSignatureLevel(eur(cents), requested, POLICY)).toBe(expected);
  });

  it('applies only the rules of the contract currency', () => {
    expect(requiredSignatureLevel({ currency: 'USD', amountCents: 99_000_000 }, undefined, POLICY)).toBe('simple');
  });
});
