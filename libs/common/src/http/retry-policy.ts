/** How one call ended, as far as retrying is concerned. */
export type CallVerdict = 'succeeded' | 'retry' | 'rejected';

/** 2xx: done. 408, 429 and 5xx: the target may answer differently later. Anything else (3xx, 4xx) is final. */
export function verdictForStatus(status: number): CallVerdict {
  if (status >= 200 && status < 300) return 'succeeded';
  if (status === 408 || status === 429 || status >= 500) return 'retry';
  return 'rejected';
}

/**
 * `Retry-After` (RFC 9110 §10.2.3) in ms from `nowMs`: delay-seconds or an HTTP date; undefined when absent or
 * unreadable. A date in the past is 0.
 */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | undefined {
  if (value === null || value === undefined) return undefined;
  const raw = value.trim();
  if (/^\d+$/.test(raw)) return Number(raw) * 1000;
  // HTTP dates always name the weekday and GMT; Date.parse would also take "3" or "2026", hence the shape check.
  if (!/^[A-Za-z]{3},? .+ GMT$|^[A-Za-z]+, \d{2}-[A-Za-z]{3}-\d{2} .+ GMT$/.test(raw)) return undefined;
  const at = Date.parse(raw);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/** Wait before the call after `attempt` (1-based) failed: base·2^(attempt-1), capped. No jitter: runs are few. */
export function backoffMs(baseMs: number, attempt: number, capMs: number): number {
  return Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));
}

/** The wait before the next call: the target's Retry-After when it gave one (capped), else the backoff. */
export function nextDelayMs(
  options: { baseMs: number; capMs: number },
  attempt: number,
  retryAfterMs: number | undefined,
): number {
  if (retryAfterMs !== undefined) return Math.min(options.capMs, retryAfterMs);
  return backoffMs(options.baseMs, attempt, options.capMs);
}
