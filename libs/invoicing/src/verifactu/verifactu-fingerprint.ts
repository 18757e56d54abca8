import { createHash } from 'node:crypto';

/**
 * The VeriFactu "huella" of a registro de alta (RD 1007/2023, Orden HAC/1177/2024; erp-legal.md §2): SHA-256 over
 * UTF-8 of the record's fields in the official order, `name=value` joined by `&`, values trimmed, an empty value
 * written as `Name=`, output as 64 uppercase hex characters (TipoHuella 01). `Huella` is the previous record's
 * fingerprint (empty for the first record of the issuer), so the records form one chain per issuer tax id.
 */
export interface AltaRecord {
  /** IDEmisorFactura: the seller's NIF. */
  issuerTaxId: string;
  /** NumSerieFactura: series and number as printed. */
  number: string;
  /** FechaExpedicionFactura, dd-mm-yyyy. */
  issueDate: string;
  /** TipoFactura: F1 (invoice), R1 (rectificativa, art. 80 Uno, Dos and Seis LIVA). */
  invoiceType: 'F1' | 'R1';
  /** CuotaTotal, e.g. "12.35". */
  totalVat: string;
  /** ImporteTotal, e.g. "123.45". */
  total: string;
  /** Huella of the previous record; '' for the first. */
  previousFingerprint: string;
  /** FechaHoraHusoGenRegistro: yyyy-mm-ddThh:mm:ss+hh:mm, kept exactly as hashed. */
  generatedAt: string;
}

export function altaRecordString(record: AltaRecord): string {
  const fields: [string, string][] = [
    ['IDEmisorFactura', record.issuerTaxId],
    ['NumSerieFactura', record.number],
    ['FechaExpedicionFactura', record.issueDate],
    ['TipoFactura', record.invoiceType],
    ['CuotaTotal', record.totalVat],
    ['ImporteTotal', record.total],
    ['Huella', record.previousFingerprint],
    ['FechaHoraHusoGenRegistro', record.generatedAt],
  ];
  return fields.map(([name, value]) => `${name}=${value.trim()}`).join('&');
}

export function altaFingerprint(record: AltaRecord): string {
  return createHash('sha256').update(altaRecordString(record), 'utf8').digest('hex').toUpperCase();
}

/** `yyyy-mm-dd` (how the database keeps the issue date) → `dd-mm-yyyy` (how VeriFactu and the QR write it). */
export function verifactuDate(isoDate: string): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(isoDate);
  if (!match) throw new RangeError(`Not a yyyy-mm-dd date: ${isoDate}`);
  return `${match[3]}-${match[2]}-${match[1]}`;
}

const SPAIN = 'Europe/Madrid';

export interface IssueInstant {
  /** yyyy-mm-dd in Madrid: the issue date. */
  date: string;
  year: number;
  /** yyyy-mm-ddThh:mm:ss±hh:mm in Madrid (+01:00 in winter, +02:00 in summer), to the second. */
  generatedAt: string;
}

/** Made once: building an `Intl.DateTimeFormat` costs far more than formatting with one. */
const SPANISH_WALL_CLOCK = new Intl.DateTimeFormat('en-GB', {
  timeZone: SPAIN,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});

/** The issue date and the record's generation time of one instant, both as a clock in Spain shows it. */
export function issueInstant(at: Date): IssueInstant {
  const parts = Object.fromEntries(SPANISH_WALL_CLOCK.formatToParts(at).map((p) => [p.type, p.value])) as Record<
    'year' | 'month' | 'day' | 'hour' | 'minute' | 'second',
    string
  >;
  const wall = Date.UTC(+parts.year, +parts.month - 1, +parts.day, +parts.hour, +parts.minute, +parts.second);
  const offsetMinutes = Math.round((wall - Math.floor(at.getTime() / 1000) * 1000) / 60_000);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  const offset = `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
  const date = `${parts.year}-${parts.month}-${parts.day}`;
  return {
    date,
    year: Number(parts.year),
    generatedAt: `${date}T${parts.hour}:${parts.minute}:${parts.second}${offset}`,
  };
}
