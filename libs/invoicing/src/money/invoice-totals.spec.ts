import { computeInvoiceTotals, formatCents, rateBasisPoints, vatCents } from './invoice-totals';

const line = (quantity: number, unitPriceCents: number, vatRate: number, description = 'item') => ({
  description,
  quantity,
  unitPriceCents,
  vatRate,
});

describe('invoice totals', () => {
  it('computes VAT per rate on the sum of the line bases, not per line', () => {
    // Three lines of 0.07 at 21 %: rounded per line 3 × 0.01 = 0.03; on the sum 0.21 × 21 % = 0.0441 → 0.04.
    const totals = computeInvoiceTotals([line(1, 7, 21), line(1, 7, 21), line(1, 7, 21)]);
    expect(totals.taxBreakdown).toEqual([{ rate: 21, baseCents: 21, vatCents: 4 }]);
    expect(totals).toMatchObject({ totalBaseCents: 21, totalVatCents: 4, totalCents: 25 });
  });

  it('keeps several rates apart, highest first, including 0 % lines', () => {
    const totals = computeInvoiceTotals([
      line(2, 19_900, 21, 'Pro plan'),
      line(1, 1_050, 10, 'Training'),
      line(3, 333, 4, 'Books'),
      line(1, 5_000, 0, 'Exempt fee'),
      line(1, 1, 21, 'Rounding probe'),
    ]);
    expect(totals.lines.map((l) => l.baseCents)).toEqual([39_800, 1_050, 999, 5_000, 1]);
    expect(totals.taxBreakdown).toEqual([
      { rate: 21, baseCents: 39_801, vatCents: 8_358 }, // 8358.21
      { rate: 10, baseCents: 1_050, vatCents: 105 },
      { rate: 4, baseCents: 999, vatCents: 40 }, // 39.96
      { rate: 0, baseCents: 5_000, vatCents: 0 },
    ]);
    expect(totals.totalBaseCents).toBe(46_850);
    expect(totals.totalVatCents).toBe(8_503);
    expect(totals.totalCents).toBe(55_353);
  });

  it('rounds exact halves up (away from zero), and the cent below stays down', () => {
    expect(vatCents(50, 1)).toBe(1); // 0.5 → 1
    expect(vatCents(49, 1)).toBe(0); // 0.49 → 0
    expect(vatCents(250, 21)).toBe(53); // 52.5 → 53
    expect(vatCents(1, 21)).toBe(0); // 0.21 → 0
    expect(vatCents(3, 21)).toBe(1); // 0.63 → 1
    expect(vatCents(-250, 21)).toBe(-53); // a credit note negates exactly
    expect(vatCents(200, 10.5)).toBe(21);
    expect(vatCents(0, 21)).toBe(0);
  });

  it('a whole-invoice credit note is the exact negation of its invoice', () => {
    const lines = [line(1, 12_345, 21), line(7, 99, 10), line(1, 250, 4)];
    const invoice = computeInvoiceTotals(lines);
    const credit = computeInvoiceTotals(lines.map((l) => ({ ...l, quantity: -l.quantity })));
    expect(credit.totalCents).toBe(-invoice.totalCents);
    expect(credit.taxBreakdown.map((r) => r.vatCents)).toEqual(invoice.taxBreakdown.map((r) => -r.vatCents));
  });

  it('adds up many lines exactly', () => {
    const many = Array.from({ length: 1000 }, (_, i) => line(1 + (i % 3), 1 + i, [21, 10, 4, 0][i % 4]));
    const totals = computeInvoiceTotals(many);
    const expectedBase = many.reduce((s, l) => s + l.quantity * l.unitPriceCents, 0);
    expect(totals.totalBaseCents).toBe(expectedBase);
    expect(totals.totalCents).toBe(totals.totalBaseCents + totals.totalVatCents);
    for (const row of totals.taxBreakdown) {
      expect(Math.abs(row.vatCents - (row.baseCents * row.rate) / 100)).toBeLessThanOrEqual(0.5);
    }
  });

  it('refuses rates finer than two decimals, out of range, fractional quantities and empty invoices', () => {
    expect(() => rateBasisPoints(21.005)).toThrow(RangeError);
    expect(() => rateBasisPoints(-1)).toThrow(RangeError);
    expect(() => rateBasisPoints(101)).toThrow(RangeError);
    expect(() => computeInvoiceTotals([line(1.5, 100, 21)])).toThrow(/whole numbers/);
    expect(() => computeInvoiceTotals([])).toThrow(/at least one line/);
  });

  it('formats cents with two decimals and a point', () => {
    expect(formatCents(12_345)).toBe('123.45');
    expect(formatCents(5)).toBe('0.05');
    expect(formatCents(0)).toBe('0.00');
    expect(formatCents(-1_235)).toBe('-12.35');
    expect(formatCents(100_000_000_00)).toBe('100000000.00');
  });
});
