/** Never wait longer than this between two calls, whatever an endpoint's Retry-After asks for. */
export const MAX_RETRY_DELAY_MS = 24 * 3_600_000;
/** Each scheduled wait varies by this fraction either way, so deliveries failed together do not retry together. */
export const JITTER = 0.2;

/**
 * The wait before the next call after call number `attempt` (1-based) failed: the schedule's entry `attempt - 1`,
 * jittered; longer if the endpoint asked for more (Retry-After), capped. Undefined when the schedule is used up:
 * the delivery is dead. `random` (0..1) is passed in, so this stays a pure function.
 */
export function retryDelayMs(
  schedule: readonly number[],
  attempt: number,
  retryAfterMs: number | undefined,
  random: number,
): number | undefined {
  const base = schedule[attempt - 1];
  if (base === undefined) return undefined;
  const jittered = Math.max(0, Math.round(base * (1 + JITTER * (2 * random - 1))));
  return Math.min(MAX_RETRY_DELAY_MS, Math.max(jittered, retryAfterMs ?? 0));
}
