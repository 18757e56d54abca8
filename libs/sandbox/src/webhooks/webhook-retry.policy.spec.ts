import { MAX_RETRY_DELAY_MS, nextRetryDelay, parseRetryAfter } from './webhook-retry.policy';

describe('nextRetryDelay', () => {
  const schedule = [1000, 60_000];

  it('follows the schedule and reports exhaustion with null', () => {
    expect(nextRetryDelay({ schedule, retryIndex: 0, jitter: 0, random: 0.9 })).toBe(1000);
    expect(nextRetryDelay({ schedule, retryIndex: 1, jitter: 0, random: 0.1 })).toBe(60_000);
    expect(nextRetryDelay({ schedule, retryIndex: 2, jitter: 0, random: 0.5 })).toBeNull();
  });

  it('spreads each delay by +-jitter', () => {
    expect(nextRetryDelay({ schedule, retryIndex: 0, jitter: 0.2, random: 0 })).toBe(800);
    expect(nextRetryDelay({ schedule, retryIndex: 0, jitter: 0.2, random: 1 })).toBe(1200);
    expect(nextRetryDelay({ schedule, retryIndex: 0, jitter: 0.2, random: 0.5 })).toBe(1000);
  });

  it('honours a longer Retry-After, ignores a shorter one, and caps at 24 h', () => {
    expect(nextRetryDelay({ schedule, retryIndex: 0, jitter: 0, random: 0, retryAfterMs: 5000 })).toBe(5000);
    expect(nextRetryDelay({ schedule, retryIndex: 0, jitter: 0, random: 0, retryAfterMs: 10 })).toBe(1000);
    expect(
      nextRetryDelay({ schedule, retryIndex: 0, jitter: 0, random: 0, retryAfterMs: 10 * MAX_RETRY_DELAY_MS }),
    ).toBe(MAX_RETRY_DELAY_MS);
  });

  it('does not retry past the schedule even when the receiver asks for it', () => {
    expect(nextRetryDelay({ schedule, retryIndex: 2, jitter: 0, random: 0, retryAfterMs: 1000 })).toBeNull();
  });
});

describe('parseRetryAfter', () => {
  const now = new Date('2026-01-01T00:00:00Z');

  it('reads delay-seconds and HTTP-dates', () => {
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Wed, 31 Dec 2025 00:00:00 GMT', now)).toBe(0);
  });

  it('ignores absent or malformed values', () => {
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter('-5', now)).toBeUndefined();
    expect(parseRetryAfter('1.5', now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
  });
});
