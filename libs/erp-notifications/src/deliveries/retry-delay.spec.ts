import { MAX_RETRY_DELAY_MS, retryDelayMs } from './retry-delay';

const SCHEDULE = [5000, 300_000, 1_800_000];

describe('retryDelayMs', () => {
  it('follows the schedule: the wait after call n is entry n-1, jittered by at most 20 % either way', () => {
    expect(retryDelayMs(SCHEDULE, 1, undefined, 0.5)).toBe(5000);
    expect(retryDelayMs(SCHEDULE, 2, undefined, 0.5)).toBe(300_000);
    expect(retryDelayMs(SCHEDULE, 1, undefined, 0)).toBe(4000);
    expect(retryDelayMs(SCHEDULE, 1, undefined, 1)).toBe(6000);
  });

  it('is undefined once the schedule is used up: the delivery is dead after schedule.length + 1 calls', () => {
    expect(retryDelayMs(SCHEDULE, 3, undefined, 0.5)).toBe(1_800_000);
    expect(retryDelayMs(SCHEDULE, 4, undefined, 0.5)).toBeUndefined();
    expect(retryDelayMs([], 1, undefined, 0.5)).toBeUndefined();
  });

  it('honours a Retry-After longer than the schedule, never a shorter one, and caps it at a day', () => {
    expect(retryDelayMs(SCHEDULE, 1, 60_000, 0.5)).toBe(60_000);
    expect(retryDelayMs(SCHEDULE, 2, 1000, 0.5)).toBe(300_000);
    expect(retryDelayMs(SCHEDULE, 1, 7 * 86_400_000, 0.5)).toBe(MAX_RETRY_DELAY_MS);
  });
});
