import { backoffMs, nextDelayMs, parseRetryAfter, verdictForStatus } from './retry-policy';

const NOW = Date.parse('2026-11-26T10:00:00Z');

describe('retry policy', () => {
  it('retries 408, 429 and 5xx; 2xx succeeds; other 3xx and 4xx are final', () => {
    expect([200, 201, 204].map(verdictForStatus)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    expect([408, 429, 500, 502, 503, 504].map(verdictForStatus)).toEqual(Array(6).fill('retry'));
    expect([301, 400, 401, 403, 404, 409, 422].map(verdictForStatus)).toEqual(Array(7).fill('rejected'));
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    expect(parseRetryAfter('2', NOW)).toBe(2000);
    expect(parseRetryAfter(' 0 ', NOW)).toBe(0);
    expect(parseRetryAfter('Thu, 26 Nov 2026 10:00:30 GMT', NOW)).toBe(30_000);
    expect(parseRetryAfter('Thu, 26 Nov 2026 09:00:00 GMT', NOW)).toBe(0);
    expect(parseRetryAfter(undefined, NOW)).toBeUndefined();
    expect(parseRetryAfter(null, NOW)).toBeUndefined();
    expect(parseRetryAfter('-1', NOW)).toBeUndefined();
    expect(parseRetryAfter('1.5', NOW)).toBeUndefined();
    expect(parseRetryAfter('soon', NOW)).toBeUndefined();
    expect(parseRetryAfter('2026', NOW)).toBe(2_026_000);
  });

  it('backs off exponentially from the base, capped', () => {
    expect([1, 2, 3, 4, 5, 6].map((attempt) => backoffMs(1000, attempt, 10_000))).toEqual([
      1000, 2000, 4000, 8000, 10_000, 10_000,
    ]);
  });

  it('prefers the target’s Retry-After, capped, to the backoff', () => {
    const options = { baseMs: 100, capMs: 60_000 };
    expect(nextDelayMs(options, 3, undefined)).toBe(400);
    expect(nextDelayMs(options, 3, 5_000)).toBe(5_000);
    expect(nextDelayMs(options, 1, 0)).toBe(0);
    expect(nextDelayMs(options, 1, 3_600_000)).toBe(60_000);
  });
});
