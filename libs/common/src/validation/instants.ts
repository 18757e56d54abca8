import { ValidateBy, type ValidationOptions } from 'class-validator';

/** A calendar date, `yyyy-mm-dd`. */
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
/** RFC 3339: a date, a time with optional fraction, and `Z` or an offset. */
const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})T([01]\d|2[0-3]):([0-5]\d):([0-5]\d)(\.\d{1,9})?(Z|[+-](0\d|1[0-4]):[0-5]\d)$/i;

/** Whether year-month-day names a day that exists, in the years 0001 to 9999 that PostgreSQL and ISO 8601 share. */
function isRealDay(year: string, month: string, day: string): boolean {
  const y = Number(year);
  const m = Number(month);
  const d = Number(day);
  if (y < 1 || m < 1 || m > 12 || d < 1) return false;
  const date = new Date(Date.UTC(2000, m - 1, d));
  date.setUTCFullYear(y);
  return date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

/** `yyyy-mm-dd` naming a day that exists: `2026-02-30` and `0000-01-01` are not dates. */
export function isCalendarDate(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const parts = DATE.exec(value);
  return parts !== null && isRealDay(parts[1], parts[2], parts[3]);
}

/**
 * An instant an API caller can write and every layer reads the same way: an RFC 3339 date-time with its offset
 * (`2026-11-27T10:00:00Z`, `2026-11-27T11:00:00+01:00`), or a calendar date, meaning its midnight UTC. A day that
 * does not exist (`2026-02-30`), the year 0 and week or ordinal dates are refused: JavaScript would roll the first
 * over into March and PostgreSQL would refuse all three, after validation, as a 500.
 */
export function isInstant(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  if (isCalendarDate(value)) return true;
  const parts = DATE_TIME.exec(value);
  return parts !== null && isRealDay(parts[1], parts[2], parts[3]) && Number.isFinite(Date.parse(value));
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
