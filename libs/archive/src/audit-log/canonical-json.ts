/**
 * The one serialisation the audit log hashes. It is RFC 8785 (JSON Canonicalization Scheme) for the values
 * the log holds, so any JCS library, or the rules below by hand, reproduce the bytes:
 *
 * - objects: keys sorted by UTF-16 code units (JavaScript's default `sort()`), `"key":value` pairs joined by
 *   `,` inside `{}`; a key whose value is `undefined` is left out (as `JSON.stringify` does);
 * - arrays: elements in order, joined by `,` inside `[]`;
 * - strings: as `JSON.stringify` writes them (`"` and `\` escaped, control characters as `\b \f \n \r \t`
 *   or `\u00xx` in lower-case hex, everything else, non-ASCII included, as itself, encoded UTF-8);
 * - numbers: finite only, as `JSON.stringify` writes them (shortest round-trip form, `-0` as `0`);
 * - `true`, `false`, `null`;
 * - a `Date` is its `toISOString()` string: UTC with milliseconds, `2026-11-26T10:15:00.000Z`;
 * - no whitespace anywhere. Anything else (`undefined` at the top or in an array, functions, symbols,
 *   bigints, class instances, NaN, Infinity) is refused rather than guessed at.
 */
export function canonicalJson(value: unknown): string {
  return write(value, '$');
}

function write(value: unknown, path: string): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'string':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`canonicalJson: ${path} is not a finite number`);
      return JSON.stringify(value);
    case 'object':
      return writeObject(value, path);
    case 'undefined':
    case 'bigint':
    case 'function':
    case 'symbol':
      break;
  }
  throw new TypeError(`canonicalJson: ${path} is a ${typeof value}, which JSON cannot hold`);
}

function writeObject(value: object, path: string): string {
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new TypeError(`canonicalJson: ${path} is an invalid Date`);
    return JSON.stringify(value.toISOString());
  }
  if (Array.isArray(value)) return `[${value.map((item, i) => write(item, `${path}[${i}]`)).join(',')}]`;
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) {
    throw new TypeError(`canonicalJson: ${path} is not a plain object`);
  }
  const record = value as Record<string, unknown>;
  const members = Object.keys(record)
    .filter((key) => record[key] !== undefined)
    .sort()
    .map((key) => `${JSON.stringify(key)}:${write(record[key], `${path}.${key}`)}`);
  return `{${members.join(',')}}`;
}
