import { isCentCurrency } from './money';

describe('isCentCurrency', () => {
  it('takes ISO 4217 currencies with two decimals, and refuses the others and non-currencies', () => {
    for (const code of ['EUR', 'USD', 'GBP', 'CHF']) expect(isCentCurrency(code)).toBe(true);
    for (const code of ['JPY', 'KWD', 'XXX', 'ZZZ', 'eur', '']) expect(isCentCurrency(code)).toBe(false);
  });
});
