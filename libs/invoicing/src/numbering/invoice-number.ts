/** The printed number: series, year, a dash and the number in the series padded to six digits: F2026-000001. */
export function formatInvoiceNumber(series: string, year: number, number: number): string {
  if (!/^[A-Z]{1,10}$/.test(series)) throw new RangeError(`Series "${series}": expected 1 to 10 capital letters`);
  if (!Number.isInteger(year) || year < 2000 || year > 9999) throw new RangeError(`Year ${year} out of range`);
  if (!Number.isInteger(number) || number < 1) throw new RangeError(`Invoice number ${number}: expected 1 or more`);
  return `${series}${year}-${String(number).padStart(6, '0')}`;
}

/** Series advance per year: numbering restarts at 1 on 1 January (Madrid time, as the issue date). */
export function parseInvoiceNumber(full: string): { series: string; year: number; number: number } | undefined {
  const match = /^([A-Z]{1,10})(\d{4})-(\d{6,})$/.exec(full);
  return match ? { series: match[1], year: Number(match[2]), number: Number(match[3]) } : undefined;
}
