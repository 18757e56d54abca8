/** Never wait longer than this, whatever a receiver's Retry-After asks for. */
export const MAX_RETRY_DELAY_MS = 24 * 3_600_000;

export interface RetryInput {
  /** Delay before retry n (0-based), as configured. */
  schedule: readonly number[];
  /** Which retry comes next: 0 after the first failed attempt of a round. */
  retryIndex: number;
  /** +-fraction of the delay (0.2 = 20 %). */
  jitter: number;
  /** What the receiver asked for (429/503 Retry-After), if anything. */
  retryAfterMs?: number;
  /** 0..1; injected so the policy stays a pure function. */
  random: number;
}

/** Milliseconds until the next attempt, or null when the schedule is exhausted and the message has failed. */
export function nextRetryDelay(input: RetryInput): number | null {
  const base = input.schedule[input.retryIndex];
  if (base === undefined) return null;
  const jittered = Math.max(0, Math.round(base + base * input.jitter * (2 * input.random - 1)));
  // A receiver that asks for more time gets it; one that asks for less gets the schedule (no retry storms).
  const wanted = input.retryAfterMs !== undefined && input.retryAfterMs > jittered ? input.retryAfterMs : jittered;
  return Math.min(wanted, MAX_RETRY_DELAY_MS);
}

/** `Retry-After` is either delay-seconds or an HTTP-date (RFC 9110 §10.2.3); anything else is ignored. */
export function parseRetryAfter(header: string | null | undefined, now: Date): number | undefined {
  if (header === null || header === undefined) return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  if (!/[a-z]/i.test(value)) return undefined;
  const at = Date.parse(value);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now.getTime());
}
