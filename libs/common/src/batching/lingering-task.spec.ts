import { LingeringTask } from './lingering-task';

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('LingeringTask', () => {
  it('runs one pass for pokes that come within the linger', async () => {
    let passes = 0;
    const task = new LingeringTask(async () => void passes++, 20);
    task.poke();
    task.poke();
    task.poke();
    expect(passes).toBe(0);
    await tick(60);
    expect(passes).toBe(1);
  });

  it('a poke during a pass runs it once more, never two at once', async () => {
    const running = gate();
    let passes = 0;
    let concurrent = 0;
    let most = 0;
    const task = new LingeringTask(async () => {
      passes++;
      most = Math.max(most, ++concurrent);
      if (passes === 1) await running.opened;
      concurrent--;
    }, 5);
    task.poke();
    await tick(20);
    task.poke();
    task.poke();
    running.open();
    await tick(40);
    expect(passes).toBe(2);
    expect(most).toBe(1);
  });

  it('close runs what is pending at once, then ignores pokes', async () => {
    let passes = 0;
    const task = new LingeringTask(async () => void passes++, 60_000);
    task.poke();
    await task.close();
    expect(passes).toBe(1);
    task.poke();
    await tick(20);
    expect(passes).toBe(1);
  });
});
