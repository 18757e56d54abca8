import { ValidateBy, type ValidationOptions } from 'class-validator';

/** A calendar date, `yyyy-mm-dd`. */
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
/**
 * RFC 3339 date-time: a date, a time (seconds and fraction optional) and `Z` or an offset. The offset is required:
 * without one, Date would read the time in the server's zone.
 */
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-](\d{2}):(\d{2}))$/i;

/** Whether year-month-day names a day that exists, in the years 0001 to 9999 that PostgreSQL and ISO 8601 share. */
function isRealDay(year: number, month: number, day: number): boolean {
  if (year < 1 || month < 1 || month > 12 || day < 1) return false;
  const date = new Date(Date.UTC(2000, month - 1, day));
  date.setUTCFullYear(year);
  return date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** `yyyy-mm-dd` naming a day that exists: `2026-02-30` and `0000-01-01` are not dates. */
export function isCalendarDate(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const parts = DATE.exec(value);
  return parts !== null && isRealDay(Number(parts[1]), Number(parts[2]), Number(parts[3]));
}

/**
 * The instant an RFC 3339 date-time names, or null. `Date.parse` alone is not enough: it takes free-form dates
 * ("March 7, 2024"), rolls 2024-02-30 over into March and takes the year 0 and offsets PostgreSQL refuses (beyond
 * ±15:59), each of which would then fail later, at the first insert.
 */
export function parseInstant(value: string): Date | null {
  const match = DATE_TIME.exec(value);
  if (match === null) return null;
  const [, year, month, day, hour, minute, second = 0, offsetHour = 0, offsetMinute = 0] = match.map((part) =>
    part === undefined ? undefined : Number(part),
  ) as number[];
  if (!isRealDay(year, month, day) || hour > 23 || minute > 59 || second > 59) return null;
  if (offsetHour > 15 || offsetMinute > 59) return null;
  const instant = new Date(value);
  return Number.isNaN(instant.getTime()) ? null : instant;
}

/**
 * An instant an API caller can write and every layer reads the same way: an RFC 3339 date-time with its offset
 * (`2026-11-27T10:00:00Z`, `2026-11-27T11:00:00+01:00`), or a calendar date, meaning its midnight UTC.
 */
export function isInstant(value: unknown): value is string {
  return typeof value === 'string' && (isCalendarDate(value) || parseInstant(value) !== null);
}

export function IsCalendarDate(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isCalendarDate',
      validator: {
        validate: (value: unknown) => isCalendarDate(value),
        defaultMessage: (args) => `${args?.property ?? 'value'} must be a date that exists, yyyy-mm-dd`,
      },
    },
    options,
  );
}

export function IsInstant(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isInstant',
      validator: {
        validate: (value: unknown) => isInstant(value),
        defaultMessage: (args) =>
          `${args?.property ?? 'value'} must be an RFC 3339 date-time with its offset, such as 2026-11-27T10:00:00Z, ` +
          'or a date, yyyy-mm-dd, that exists',
      },
    },
    options,
  );
}
