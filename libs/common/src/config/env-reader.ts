export type Env = Record<string, string | undefined>;

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Reads typed values from an environment, collecting every problem (each naming its variable) instead of throwing. */
export class EnvReader {
  constructor(
    private readonly env: Env,
    private readonly problems: string[],
  ) {}

  string(name: string): string | undefined {
    const value = this.env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  }

  int(name: string, fallback: number, min: number, max: number): number {
    const raw = this.string(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!/^-?\d+$/.test(raw) || value < min || value > max) {
      this.problems.push(`${name}: expected a whole number from ${min} to ${max}, got "${raw}"`);
      return fallback;
    }
    return value;
  }

  bool(name: string, fallback: boolean): boolean {
    const raw = this.string(name)?.toLowerCase();
    if (raw === undefined) return fallback;
    if (['true', '1', 'yes'].includes(raw)) return true;
    if (['false', '0', 'no'].includes(raw)) return false;
    this.problems.push(`${name}: expected true or false, got "${raw}"`);
    return fallback;
  }

  url(name: string, protocols: string[]): string | undefined {
    const raw = this.string(name);
    if (raw === undefined) return undefined;
    try {
      const url = new URL(raw);
      if (protocols.includes(url.protocol)) return raw;
    } catch {
      // reported below
    }
    this.problems.push(`${name}: expected a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`);
    return undefined;
  }

  list<T extends string>(name: string, fallback: T[], allowed: readonly T[] | undefined): T[] {
    const raw = this.string(name);
    if (raw === undefined) return fallback;
    const items = raw
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    if (allowed) {
      const bad = items.filter((i) => !(allowed as readonly string[]).includes(i));
      if (bad.length > 0 || items.length === 0) {
        this.problems.push(`${name}: expected a comma-separated list of ${allowed.join(', ')}`);
        return fallback;
      }
    }
    return items as T[];
  }

  /** `"5s,5m,2h"` → `[5000, 300000, 7200000]`: a list of durations in ms, a bare number being ms; `fallback` when unset. */
  durations(name: string, fallback: string): number[] {
    const delays = parseDurations(this.string(name) ?? fallback);
    if (typeof delays === 'string') {
      this.problems.push(`${name}: "${delays}" is not a duration such as 500ms, 5s, 5m, 2h or 1d`);
      return [];
    }
    return delays;
  }

  /** One duration (`"15m"`, a bare number being ms) from `min` to `max` ms; `fallback` when unset or unreadable. */
  duration(name: string, fallback: string, min: number, max: number): number {
    const [fallbackMs] = parseDurations(fallback) as number[];
    const raw = this.string(name);
    if (raw === undefined) return fallbackMs;
    const parsed = parseDurations(raw);
    if (typeof parsed === 'string' || parsed.length !== 1 || parsed[0] < min || parsed[0] > max) {
      this.problems.push(
        `${name}: expected one duration such as 90s, 15m or 6h, from ${min} to ${max} ms, got "${raw}"`,
      );
      return fallbackMs;
    }
    return parsed[0];
  }

  /** As `duration`, and `off` for none: undefined. */
  durationOrOff(name: string, fallback: string, min: number, max: number): number | undefined {
    return this.string(name) === 'off' ? undefined : this.duration(name, fallback, min, max);
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    return this.optionalOneOf(name, allowed) ?? fallback;
  }

  optionalOneOf<T extends string>(name: string, allowed: readonly T[]): T | undefined {
    const raw = this.string(name);
    if (raw === undefined) return undefined;
    if ((allowed as readonly string[]).includes(raw)) return raw as T;
    this.problems.push(`${name}: expected one of ${allowed.join(', ')}, got "${raw}"`);
    return undefined;
  }
}

/** The durations of a comma-separated list in ms, or the first item that is not one. */
function parseDurations(raw: string): number[] | string {
  const delays: number[] = [];
  for (const item of raw.split(',').map((s) => s.trim())) {
    const match = /^(\d+)(ms|s|m|h|d)?$/.exec(item);
    if (!match) return item;
    delays.push(Number(match[1]) * UNIT_MS[match[2] ?? 'ms']);
  }
  return delays;
}
