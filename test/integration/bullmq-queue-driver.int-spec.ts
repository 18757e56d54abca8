import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { Queue } from 'bullmq';
import { JOB_NAMES, type JobContext, type JobSpec } from '@app/event-bus';
import { BullMqQueueDriver, bullQueueName, type BullMqQueueDriverOptions } from '@app/event-bus';
import { eventually } from '../support/eventually';
import { handlersCalling } from '../support/job-handlers';
import { deleteRedisKeys } from '../support/redis-keys';
import { TEST_REDIS_URL } from '../support/test-env';

const RUN_PREFIX = `sbtest-${randomUUID()}`;
let testNumber = 0;

const drivers: BullMqQueueDriver[] = [];
const observers: Queue[] = [];

function fakeLogger() {
  return { log: jest.fn<void, [string]>(), warn: jest.fn<void, [string]>(), error: jest.fn<void, [string]>() };
}

/** A driver on its own key prefix, so workers of one test never take another test's jobs. */
function driver(options: Partial<BullMqQueueDriverOptions> = {}) {
  const prefix = `${RUN_PREFIX}-${++testNumber}`;
  const logger = fakeLogger();
  const queue = new BullMqQueueDriver({
    redisUrl: TEST_REDIS_URL,
    prefix,
    concurrency: 4,
    attempts: 3,
    backoffMs: 20,
    logger,
    ...options,
  });
  drivers.push(queue);
  return { queue, logger, prefix };
}

/** A plain BullMQ queue on the driver's keys, to look at job states from outside the driver. */
function observe(prefix: string): Queue {
  const queue = new Queue(bullQueueName('inbox.process'), { connection: { url: TEST_REDIS_URL }, prefix });
  observers.push(queue);
  return queue;
}

function inbox(id: string): JobSpec {
  return { name: 'inbox.process', id, data: { inboundEventId: id } };
}

function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<true> {
  return eventually(async () => ((await condition()) ? true : undefined), { timeoutMs, intervalMs: 20 });
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

afterAll(async () => {
  await Promise.all(drivers.map((queue) => queue.close()));
  await Promise.all(observers.map((queue) => queue.close()));
  await deleteRedisKeys(`${RUN_PREFIX}-*`);
});

describe('BullMqQueueDriver against Redis', () => {
  it('runs each job with its data and a context carrying the job id and attempt 1', async () => {
    const { queue } = driver();
    const seen: Array<[string, JobContext]> = [];
    await queue.startWorkers(handlersCalling(async (id, context) => (seen.push([id, context]), 'done')));
    const eventId = randomUUID();
    await queue.enqueue([
      inbox('in-1'),
      { name: 'outbox.deliver', id: `${eventId}.erp`, data: { eventId, subscriber: 'erp' } },
    ]);
    await waitFor(() => seen.length === 2);
    expect(seen).toEqual(
      expect.arrayContaining([
        ['in-1', { jobId: 'in-1', attempt: 1 }],
        [`${eventId}/erp`, { jobId: `${eventId}.erp`, attempt: 1 }],
      ]),
    );
    await expect(queue.health()).resolves.toMatchObject({ up: true, driver: 'bullmq' });
  });

  it('holds a job with delayMs back that long (delayed in Redis), then runs it once', async () => {
    const { queue, prefix } = driver();
    const observer = observe(prefix);
    const ranAt: Array<[string, number]> = [];
    await queue.startWorkers(handlersCalling(async (id) => (ranAt.push([id, Date.now()]), 'done')));
    const enqueuedAt = Date.now();
    await queue.enqueue([{ ...inbox('later'), delayMs: 700 }, inbox('now')]);
    await queue.enqueue([{ ...inbox('later'), delayMs: 700 }]);
    expect((await observer.getJobCounts('delayed')).delayed).toBe(1);
    await waitFor(() => ranAt.length === 2);
    const at = Object.fromEntries(ranAt);
    expect(at.now - enqueuedAt).toBeLessThan(500);
    expect(at.later - enqueuedAt).toBeGreaterThanOrEqual(690);
    await waitFor(async () => (await observer.getJobCounts('completed')).completed === 2);
    expect(ranAt).toHaveLength(2);
  });

  it('runs a job once when its id is enqueued concurrently, while waiting and while running', async () => {
    const { queue, prefix } = driver();
    const observer = observe(prefix);
    const runs: string[] = [];
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    await Promise.all([
      queue.enqueue([inbox('w')]),
      queue.enqueue([inbox('w')]),
      queue.enqueue([inbox('w'), inbox('w')]),
    ]);
    await queue.startWorkers(
      handlersCalling(async (id) => {
        runs.push(id);
        if (id === 'r') await released;
        return 'done';
      }),
    );
    await queue.enqueue([inbox('r')]);
    await waitFor(() => runs.includes('r'));
    await Promise.all([queue.enqueue([inbox('r')]), queue.enqueue([inbox('r')]), queue.enqueue([inbox('r')])]);
    release();
    await waitFor(async () => (await observer.getJobCounts('completed')).completed === 2);
    const counts = await observer.getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed');
    expect(counts).toEqual({ waiting: 0, active: 0, delayed: 0, completed: 2, failed: 0 });
    expect(runs.sort()).toEqual(['r', 'w']);
  });

  it('runs a finished id again when it is enqueued again, although BullMQ keeps finished jobs', async () => {
    const { queue, prefix } = driver({ attempts: 1 });
    const observer = observe(prefix);
    const runs: string[] = [];
    await queue.startWorkers(
      handlersCalling(async (id) => {
        runs.push(id);
        if (id === 'bad' && runs.filter((run) => run === 'bad').length === 1) throw new Error('first time fails');
        return 'done';
      }),
    );
    await queue.enqueue([inbox('ok'), inbox('bad')]);
    await waitFor(async () => (await observer.getJobState('ok')) === 'completed');
    await waitFor(async () => (await observer.getJobState('bad')) === 'failed');
    await queue.enqueue([inbox('ok'), inbox('bad')]);
    await waitFor(() => runs.length === 4);
    await waitFor(async () => (await observer.getJobCounts('completed')).completed === 2);
    expect(runs.sort()).toEqual(['bad', 'bad', 'ok', 'ok']);
  });

  it('retries a failing handler with attempts 1, 2, 3, and reports the one that never succeeds', async () => {
    const { queue, logger, prefix } = driver({ attempts: 3, backoffMs: 20 });
    const observer = observe(prefix);
    const attempts: Record<string, number[]> = { flaky: [], broken: [] };
    await queue.startWorkers(
      handlersCalling(async (id, { jobId, attempt }) => {
        expect(jobId).toBe(id);
        attempts[id].push(attempt);
        if (id === 'broken' || attempt < 3) throw new Error(`${id} failed on ${attempt}`);
        return 'done';
      }),
    );
    await queue.enqueue([inbox('flaky'), inbox('broken')]);
    await waitFor(async () => (await observer.getJobState('flaky')) === 'completed');
    await waitFor(async () => (await observer.getJobState('broken')) === 'failed');
    expect(attempts).toEqual({ flaky: [1, 2, 3], broken: [1, 2, 3] });
    await waitFor(() => logger.error.mock.calls.length === 1);
    expect(logger.error.mock.calls[0][0]).toMatch(/inbox\.process broken .*3 attempt.*broken failed on 3/);
    expect(logger.warn).toHaveBeenCalledTimes(4);
  });

  it('with Redis unreachable: enqueue fails fast, health is down, errors are throttled, close returns', async () => {
    const port = await closedPort();
    const { queue, logger } = driver({ redisUrl: `redis://127.0.0.1:${port}` });
    await queue.startWorkers(handlersCalling(async () => 'done'));

    const started = Date.now();
    await expect(queue.enqueue([inbox('lost')])).rejects.toThrow(/Redis/);
    expect(Date.now() - started).toBeLessThan(2_000);

    const health = await queue.health();
    expect(health).toMatchObject({ up: false, driver: 'bullmq' });
    expect(health.detail).toEqual(expect.any(String));

    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const lines = logger.error.mock.calls.length + logger.warn.mock.calls.length + logger.log.mock.calls.length;
    expect(logger.error.mock.calls.length).toBeGreaterThan(0);
    // One line per connection (the producer and one worker connection per job name); raw error events number dozens.
    expect(lines).toBeLessThanOrEqual(JOB_NAMES.length + 2);

    const closing = Date.now();
    await queue.close();
    expect(Date.now() - closing).toBeLessThan(3_000);
  });
});
