import { handlersCalling } from '../../../../test/support/job-handlers';
import type { JobOutcome, JobSpec } from '../jobs';
import { InProcessQueueDriver } from './in-process.queue-driver';
import { LocalFirstQueueDriver } from './local-first.queue-driver';
import { QueueClosedError, type QueueDriver, type QueueHealth } from './queue-driver';

function inbox(id: string, delayMs?: number): JobSpec {
  return { name: 'inbox.process', id, data: { inboundEventId: id }, ...(delayMs ? { delayMs } : {}) };
}

/** The shared queue's stand-in: what was offered to it, and whether it was started and closed. */
class SharedQueue implements QueueDriver {
  readonly offered: string[] = [];
  started = false;
  closed = false;

  enqueue(jobs: readonly JobSpec[]): Promise<void> {
    if (this.closed) return Promise.reject(new QueueClosedError('shared queue'));
    this.offered.push(...jobs.map((job) => job.id));
    return Promise.resolve();
  }
  startWorkers(): Promise<void> {
    this.started = true;
    return Promise.resolve();
  }
  health(): Promise<QueueHealth> {
    return Promise.resolve({ up: false, driver: 'bullmq', detail: 'Redis connection reconnecting' });
  }
  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}

/** Every job name runs `run`; `ran` lists what each job was for, as `handlersCalling` names it. */
function handlers(run: (id: string) => Promise<JobOutcome>) {
  const ran: string[] = [];
  return { all: handlersCalling((id) => (ran.push(id), run(id))), ran };
}

function setUp(concurrency = 4) {
  const logger = { log: jest.fn(), warn: jest.fn(), error: jest.fn() };
  const local = new InProcessQueueDriver({ concurrency, attempts: 2, backoffMs: 5, logger });
  const shared = new SharedQueue();
  return { local, shared, queue: new LocalFirstQueueDriver(local, shared) };
}

describe('LocalFirstQueueDriver', () => {
  it('sends everything to the shared queue in a process without workers (an API-only process)', async () => {
    const { local, shared, queue } = setUp();
    await queue.enqueue([inbox('a'), inbox('b')]);
    expect(shared.offered).toEqual(['a', 'b']);
    expect(local.holds(inbox('a'))).toBe(false);
  });

  it('runs a worker process’s own jobs in the process, and never offers them to the shared queue', async () => {
    const { local, shared, queue } = setUp();
    const { all, ran } = handlers(() => Promise.resolve('done'));
    await queue.startWorkers(all);
    expect(shared.started).toBe(true);
    await queue.enqueue([inbox('a'), inbox('b')]);
    await local.idle();
    expect(ran).toEqual(['a', 'b']);
    expect(shared.offered).toEqual([]);
  });

  it('sends delayed jobs (a call’s next attempt, a scheduled check) to the shared queue, where they outlive a restart', async () => {
    const { shared, queue } = setUp();
    await queue.startWorkers(handlers(() => Promise.resolve('done')).all);
    await queue.enqueue([inbox('now'), inbox('later', 60_000)]);
    expect(shared.offered).toEqual(['later']);
  });

  it('keeps a short line here and sends the rest to the shared queue, for idle processes to take', async () => {
    const { local, shared, queue } = setUp(1);
    let release!: () => void;
    const held = new Promise<JobOutcome>((resolve) => (release = () => resolve('done')));
    const { all, ran } = handlers(() => held);
    await queue.startWorkers(all);
    // One runs, one waits behind it (a line as long as the concurrency), the third goes elsewhere.
    await queue.enqueue([inbox('a'), inbox('b'), inbox('c')]);
    expect(shared.offered).toEqual(['c']);
    expect(ran).toEqual(['a']);
    release();
    await local.idle();
    expect(ran).toEqual(['a', 'b']);
  });

  it('does not offer a job it holds to the shared queue again, however long its line', async () => {
    const { local, shared, queue } = setUp(1);
    let release!: () => void;
    const held = new Promise<JobOutcome>((resolve) => (release = () => resolve('done')));
    await queue.startWorkers(handlers(() => held).all);
    await queue.enqueue([inbox('a'), inbox('b')]);
    await queue.enqueue([inbox('a'), inbox('b'), inbox('a', 1_000)]);
    expect(shared.offered).toEqual([]);
    release();
    await local.idle();
  });

  it('reports the shared queue’s health, and closes both: a job offered afterwards is refused', async () => {
    const { local, shared, queue } = setUp();
    await queue.startWorkers(handlers(() => Promise.resolve('done')).all);
    await expect(queue.health()).resolves.toEqual({
      up: false,
      driver: 'bullmq',
      detail: 'Redis connection reconnecting',
    });
    await queue.close();
    expect(shared.closed).toBe(true);
    expect(local.hasRoom('inbox.process')).toBe(false);
    await expect(queue.enqueue([inbox('late')])).rejects.toBeInstanceOf(QueueClosedError);
  });
});
