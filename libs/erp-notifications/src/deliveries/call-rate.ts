import { DUE_TOLERANCE_MS } from '@app/event-bus';

/** The state of one due delivery of an endpoint limited to `perSecond` calls, read under the endpoint's lock. */
export interface CallRateInput {
  /** The time now, read once the endpoint's lock is held. */
  nowMs: number;
  perSecond: number;
  /** The endpoint's `rate_last_call_at`: when its last call started; null, never under the limit. */
  lastCallAtMs: number | null;
  /** The endpoint's `rate_next_at`: the first time not reserved by a waiting delivery; null, none reserved. */
  nextFreeAtMs: number | null;
  /** The delivery's `rate_slot_at`: the time it reserved for its call, if it waited for one. */
  reservedAtMs: number | null;
}

export type CallRateDecision =
  /** Call now (the caller records now as the last call); the first unreserved time becomes `nextFreeAtMs`. */
  | { call: true; nextFreeAtMs: number | null }
  /** Wait until `atMs`, reserved for this delivery; the endpoint's first unreserved time becomes `nextFreeAtMs`. */
  | { call: false; atMs: number; nextFreeAtMs: number | null };

/**
 * Calls start at least 1/perSecond s apart (rounded up to the millisecond), so no second holds more than `perSecond`
 * of them: that is checked against when the last call really started. A delivery that cannot call now reserves the
 * first time nobody has reserved and waits for it, so a backlog drains at the rate, each delivery woken once (not
 * all of them for every free moment). One whose reserved time has come (its job may fire up to DUE_TOLERANCE_MS
 * early, as any attempt's) calls without reserving again, unless a call started too recently (a job that fired late
 * before it): then it moves its reservation to the first moment allowed.
 */
export function decideCallRate(input: CallRateInput): CallRateDecision {
  const { nowMs, perSecond, lastCallAtMs, nextFreeAtMs, reservedAtMs } = input;
  const spacingMs = Math.ceil(1000 / perSecond);
  const allowedFromMs = lastCallAtMs === null ? nowMs : Math.max(nowMs, lastCallAtMs + spacingMs);
  if (reservedAtMs !== null) {
    if (reservedAtMs > nowMs + DUE_TOLERANCE_MS) return { call: false, atMs: reservedAtMs, nextFreeAtMs };
    if (allowedFromMs <= nowMs) return { call: true, nextFreeAtMs };
    return { call: false, atMs: allowedFromMs, nextFreeAtMs: Math.max(nextFreeAtMs ?? 0, allowedFromMs + spacingMs) };
  }
  const freeAtMs = Math.max(allowedFromMs, nextFreeAtMs ?? nowMs);
  if (freeAtMs <= nowMs) return { call: true, nextFreeAtMs: nowMs + spacingMs };
  return { call: false, atMs: freeAtMs, nextFreeAtMs: freeAtMs + spacingMs };
}
