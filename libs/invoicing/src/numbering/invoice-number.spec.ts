import { formatInvoiceNumber, parseInvoiceNumber } from './invoice-number';

describe('invoice numbers', () => {
  it('prints series, year and a six-digit number', () => {
    expect(formatInvoiceNumber('F', 2026, 1)).toBe('F2026-000001');
    expect(formatInvoiceNumber('R', 2026, 42)).toBe('R2026-000042');
    expect(formatInvoiceNumber('QXZ', 2027, 999_999)).toBe('QXZ2027-999999');
    expect(formatInvoiceNumber('F', 2027, 1_000_000)).toBe('F2027-1000000');
  });

  it('round-trips through the parser', () => {
    expect(parseInvoiceNumber('F2026-000001')).toEqual({ series: 'F', year: 2026, number: 1 });
    expect(parseInvoiceNumber('F2026-1')).toBeUndefined();
  });

  it('refuses what could not be a number of a series', () => {
    expect(() => formatInvoiceNumber('f', 2026, 1)).toThrow(RangeError);
    expect(() => formatInvoiceNumber('F-', 2026, 1)).toThrow(RangeError);
    expect(() => formatInvoiceNumber('F', 2026, 0)).toThrow(RangeError);
    expect(() => formatInvoiceNumber('F', 26, 1)).toThrow(RangeError);
  });
});
