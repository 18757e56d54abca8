import { LingeringTask } from './lingering-task';

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

const QUIET = { retryAfterMs: 1000, onError: () => undefined };

describe('LingeringTask', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('runs one pass for the pokes that come within the linger, and only once it is over', async () => {
    let passes = 0;
    const task = new LingeringTask(async () => void passes++, 20, QUIET);
    task.poke();
    await jest.advanceTimersByTimeAsync(10);
    task.poke();
    task.poke();
    await jest.advanceTimersByTimeAsync(9);
    expect(passes).toBe(0);
    await jest.advanceTimersByTimeAsync(1);
    expect(passes).toBe(1);
    await jest.advanceTimersByTimeAsync(1000);
    expect(passes).toBe(1);
  });

  it('a poke during a pass runs it once more, never two at once', async () => {
    const running = gate();
    let passes = 0;
    let concurrent = 0;
    let most = 0;
    const task = new LingeringTask(
      async () => {
        passes++;
        most = Math.max(most, ++concurrent);
        if (passes === 1) await running.opened;
        concurrent--;
      },
      5,
      QUIET,
    );
    task.poke();
    await jest.advanceTimersByTimeAsync(5);
    expect(passes).toBe(1);
    task.poke();
    task.poke();
    await jest.advanceTimersByTimeAsync(100);
    expect(passes).toBe(1);
    running.open();
    await jest.advanceTimersByTimeAsync(0);
    expect(passes).toBe(2);
    expect(most).toBe(1);
  });

  it('close runs what is pending at once, then ignores pokes', async () => {
    let passes = 0;
    const task = new LingeringTask(async () => void passes++, 60_000, QUIET);
    task.poke();
    await task.close();
    expect(passes).toBe(1);
    task.poke();
    await jest.advanceTimersByTimeAsync(120_000);
    expect(passes).toBe(1);
  });

  it('a pass that fails is reported and runs again after retryAfterMs, without a poke', async () => {
    const errors: unknown[] = [];
    let passes = 0;
    const task = new LingeringTask(
      async () => {
        passes += 1;
        if (passes === 1) throw new Error('deadlock detected');
      },
      20,
      { retryAfterMs: 500, onError: (error) => errors.push(error) },
    );
    task.poke();
    await jest.advanceTimersByTimeAsync(20);
    expect(passes).toBe(1);
    expect(errors).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(499);
    expect(passes).toBe(1);
    await jest.advanceTimersByTimeAsync(1 + 20);
    expect(passes).toBe(2);
    await jest.advanceTimersByTimeAsync(5000);
    expect(passes).toBe(2);
  });

  it('close cancels a retry that is waiting', async () => {
    let passes = 0;
    const task = new LingeringTask(
      async () => {
        passes += 1;
        throw new Error('database down');
      },
      20,
      QUIET,
    );
    task.poke();
    await jest.advanceTimersByTimeAsync(20);
    await task.close();
    await jest.advanceTimersByTimeAsync(5000);
    expect(passes).toBe(1);
  });
});
