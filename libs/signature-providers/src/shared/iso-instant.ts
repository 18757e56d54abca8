// A UTC offset is required: without one, Date would read the time in the server's zone.
const ISO_INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-](\d{2}):(\d{2}))$/;

/**
 * Parses an ISO 8601 / RFC 3339 date-time with a UTC offset, or returns null.
 * Date.parse alone is not enough: it accepts free-form dates ("March 7, 2024") and rolls 2024-02-30 over to March.
 */
export function parseIsoInstant(value: string): Date | null {
  const match = ISO_INSTANT.exec(value);
  if (match === null) return null;
  const [, year, month, day, hour, minute, second, offsetHour, offsetMinute] = match.map(Number);
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth) return null;
  if (hour > 23 || minute > 59 || second > 59) return null;
  if (offsetHour > 23 || offsetMinute > 59) return null;
  const instant = new Date(value);
  return Number.isNaN(instant.getTime()) ? null : instant;
}
