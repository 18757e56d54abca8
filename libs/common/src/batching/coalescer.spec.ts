import { Coalescer } from './coalescer';

describe('Coalescer', () => {
  it('flushes items submitted together in one call, and a burst during a flush in the next one', async () => {
    const flushed: number[][] = [];
    let release: () => void = () => undefined;
    const coalescer = new Coalescer<number>(
      async (items) => {
        flushed.push(items);
        if (flushed.length === 1) await new Promise<void>((resolve) => (release = resolve));
      },
      { maxInFlight: 1, maxBatch: 100 },
    );
    const first = coalescer.submit([1, 2]);
    await new Promise((resolve) => setImmediate(resolve));
    const later = [coalescer.submit([3]), coalescer.submit([4, 5])];
    await new Promise((resolve) => setImmediate(resolve));
    expect(flushed).toEqual([[1, 2]]);
    release();
    await Promise.all([first, ...later]);
    expect(flushed).toEqual([
      [1, 2],
      [3, 4, 5],
    ]);
  });

  it('caps a flush at maxBatch items', async () => {
    const flushed: number[][] = [];
    const coalescer = new Coalescer<number>(async (items) => void flushed.push(items), { maxInFlight: 1, maxBatch: 2 });
    await coalescer.submit([1, 2, 3, 4, 5]);
    expect(flushed).toEqual([[1, 2], [3, 4], [5]]);
  });

  it('with lingerMs, waits that long so items submitted apart share one flush', async () => {
    const flushed: number[][] = [];
    const coalescer = new Coalescer<number>(async (items) => void flushed.push(items), {
      maxInFlight: 1,
      maxBatch: 100,
      lingerMs: 200,
    });
    const first = coalescer.submit([1]);
    // Two turns of the event loop: without lingering, [1] would have been flushed alone by now.
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    expect(flushed).toEqual([]);
    await Promise.all([first, coalescer.submit([2])]);
    expect(flushed).toEqual([[1, 2]]);
  });

  it('drain() flushes a lingering item at once and waits for it', async () => {
    const flushed: number[][] = [];
    const coalescer = new Coalescer<number>(async (items) => void flushed.push(items), {
      maxInFlight: 1,
      maxBatch: 100,
      lingerMs: 60_000,
    });
    const submitted = coalescer.submit([7]);
    await coalescer.drain();
    expect(flushed).toEqual([[7]]);
    await submitted;
  });

  it('rejects the submissions of a failed flush only', async () => {
    let calls = 0;
    const coalescer = new Coalescer<string>(
      async () => {
        calls += 1;
        if (calls === 1) throw new Error('database down');
      },
      { maxInFlight: 1, maxBatch: 10 },
    );
    await expect(coalescer.submit(['a'])).rejects.toThrow('database down');
    await expect(coalescer.submit(['b'])).resolves.toBeUndefined();
  });

  it('refuses a configuration that could never flush', () => {
    expect(() => new Coalescer<number>(async () => undefined, { maxInFlight: 0, maxBatch: 1 })).toThrow(/at least 1/);
  });
});
