import fc from 'fast-check';
import { DUE_TOLERANCE_MS } from '@app/event-bus';
import { decideCallRate, type CallRateInput } from './call-rate';

const at = (input: Partial<CallRateInput>): CallRateInput => ({
  nowMs: 10_000,
  perSecond: 5,
  lastCallAtMs: null,
  nextFreeAtMs: null,
  reservedAtMs: null,
  ...input,
});

describe('decideCallRate', () => {
  it('calls at once when the endpoint is free, and makes the next free time 1/perSecond s later', () => {
    expect(decideCallRate(at({}))).toEqual({ call: true, nextFreeAtMs: 10_200 });
    // Times already past count from now, not from then.
    expect(decideCallRate(at({ lastCallAtMs: 4_000, nextFreeAtMs: 4_200 }))).toEqual({
      call: true,
      nextFreeAtMs: 10_200,
    });
    expect(decideCallRate(at({ lastCallAtMs: 9_800, nextFreeAtMs: 10_000 }))).toEqual({
      call: true,
      nextFreeAtMs: 10_200,
    });
  });

  it('gives deliveries due together times of their own, 1/perSecond s apart', () => {
    let nextFreeAtMs: number | null = null;
    let lastCallAtMs: number | null = null;
    const times: number[] = [];
    for (let i = 0; i < 4; i++) {
      const decision = decideCallRate(at({ lastCallAtMs, nextFreeAtMs }));
      if (decision.call) lastCallAtMs = 10_000;
      times.push(decision.call ? 10_000 : decision.atMs);
      nextFreeAtMs = decision.nextFreeAtMs;
    }
    expect(times).toEqual([10_000, 10_200, 10_400, 10_600]);
    expect(nextFreeAtMs).toBe(10_800);
  });

  it('waits for 1/perSecond s after the last call started, even with no time reserved', () => {
    expect(decideCallRate(at({ lastCallAtMs: 9_900 }))).toEqual({ call: false, atMs: 10_100, nextFreeAtMs: 10_300 });
  });

  it('rounds the spacing up to the millisecond: 3 per second are 334 ms apart, never 333', () => {
    expect(decideCallRate(at({ perSecond: 3 }))).toEqual({ call: true, nextFreeAtMs: 10_334 });
    expect(decideCallRate(at({ perSecond: 1000 }))).toEqual({ call: true, nextFreeAtMs: 10_001 });
  });

  it('lets a delivery whose reserved time has come call without reserving another', () => {
    expect(decideCallRate(at({ reservedAtMs: 10_000, lastCallAtMs: 9_800, nextFreeAtMs: 11_000 }))).toEqual({
      call: true,
      nextFreeAtMs: 11_000,
    });
    // Its job may fire a little early, as any attempt's.
    expect(decideCallRate(at({ reservedAtMs: 10_000 + DUE_TOLERANCE_MS, nextFreeAtMs: 11_000 }))).toEqual({
      call: true,
      nextFreeAtMs: 11_000,
    });
  });

  it('keeps a delivery woken before its reserved time waiting for that time, reserving no other', () => {
    expect(decideCallRate(at({ reservedAtMs: 12_000, nextFreeAtMs: 13_000 }))).toEqual({
      call: false,
      atMs: 12_000,
      nextFreeAtMs: 13_000,
    });
  });

  it('moves a reservation whose time came too soon after a late call to the first moment allowed', () => {
    // The call reserved for 9,800 started late, at 9,950: the one reserved for 10,000 waits until 10,150.
    expect(decideCallRate(at({ reservedAtMs: 10_000, lastCallAtMs: 9_950, nextFreeAtMs: 10_200 }))).toEqual({
      call: false,
      atMs: 10_150,
      nextFreeAtMs: 10_350,
    });
  });

  it('starts calls 1/perSecond s apart at least, and each delivery calls, however jobs fire early or late', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }),
        fc.array(fc.integer({ min: 0, max: 3_000 }), { minLength: 1, maxLength: 60 }),
        fc.infiniteStream(fc.integer({ min: -DUE_TOLERANCE_MS, max: 400 })),
        (perSecond, dueTimes, firing) => {
          // Each delivery wakes at its due time; one told to wait wakes again at its time plus the job's jitter.
          const wakes = dueTimes.map((nowMs) => ({ nowMs, reservedAtMs: null as number | null }));
          let lastCallAtMs: number | null = null;
          let nextFreeAtMs: number | null = null;
          const starts: number[] = [];
          for (let steps = 0; wakes.length > 0; steps++) {
            expect(steps).toBeLessThan(10_000);
            wakes.sort((a, b) => a.nowMs - b.nowMs);
            const wake = wakes.shift()!;
            const decision = decideCallRate({ ...wake, perSecond, lastCallAtMs, nextFreeAtMs });
            nextFreeAtMs = decision.nextFreeAtMs;
            if (decision.call) {
              starts.push(wake.nowMs);
              lastCallAtMs = wake.nowMs;
            } else {
              const jitter = firing.next().value;
              wakes.push({ nowMs: Math.max(wake.nowMs, decision.atMs + jitter), reservedAtMs: decision.atMs });
            }
          }
          expect(starts).toHaveLength(dueTimes.length);
          const spacingMs = Math.ceil(1000 / perSecond);
          starts.slice(1).forEach((start, i) => expect(start - starts[i]).toBeGreaterThanOrEqual(spacingMs));
        },
      ),
    );
  });
});
