import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { bullQueueName, createQueueDriver, type JobHandlers, type JobSpec, type QueueDriver } from '@app/event-bus';
import { eventually } from '../support/eventually';
import { handlersCalling } from '../support/job-handlers';
import { deleteRedisKeys } from '../support/redis-keys';
import { TEST_REDIS_URL } from '../support/test-env';

const PREFIX = `sbtest-local-first-${randomUUID()}`;
const opened: Array<{ close(): Promise<void> }> = [];

/** A process's driver as the app builds it with REDIS_URL set; `localFirst` as QUEUE_LOCAL_FIRST. */
function processQueue(localFirst = true): QueueDriver {
  const logger = { log: jest.fn(), warn: jest.fn(), error: jest.fn() };
  const queue = createQueueDriver({
    redisUrl: TEST_REDIS_URL,
    prefix: PREFIX,
    concurrency: 4,
    attempts: 3,
    backoffMs: 20,
    localFirst,
    logger,
  });
  opened.push(queue);
  return queue;
}

/** Where each job ran: `ran[id]` names the process. */
function recording(ran: Record<string, string>, process: string): JobHandlers {
  return handlersCalling((id) => ((ran[id] = process), Promise.resolve('done')));
}

function inbox(id: string, delayMs?: number): JobSpec {
  return { name: 'inbox.process', id, data: { inboundEventId: id }, ...(delayMs ? { delayMs } : {}) };
}

/** A plain BullMQ queue on the deployment's inbox keys, to count its jobs from outside the drivers. */
const observer = new Queue(bullQueueName('inbox.process'), { connection: { url: TEST_REDIS_URL }, prefix: PREFIX });
opened.push(observer);

/** Every job Redis was given for the inbox queue, whatever became of it since. */
async function jobsInRedis(): Promise<number> {
  const counts = await observer.getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed');
  return Object.values(counts).reduce((sum, n) => sum + n, 0);
}

afterAll(async () => {
  await Promise.all(opened.map((queue) => queue.close()));
  await deleteRedisKeys(`${PREFIX}:*`);
});

describe('the production layout’s queue (REDIS_URL set), against Redis', () => {
  // One Redis prefix for the whole describe: the API process, the worker and the second worker share it, as
  // processes of one deployment do. Each case's job ids are its own.
  const ran: Record<string, string> = {};
  const api = processQueue();
  const worker = processQueue();

  beforeAll(async () => {
    await worker.startWorkers(recording(ran, 'worker'));
  });

  it('carries the API process’s jobs through Redis to a worker process', async () => {
    await api.enqueue([inbox('from-api')]);
    await eventually(async () => ran['from-api'], { what: 'the job to run', timeoutMs: 10_000 });
    expect(ran['from-api']).toBe('worker');
    expect(await jobsInRedis()).toBe(1);
  });

  it('runs a worker’s own jobs in its process: Redis never sees them', async () => {
    const before = await jobsInRedis();
    await worker.enqueue([inbox('own-1'), inbox('own-2')]);
    await eventually(async () => ran['own-1'] && ran['own-2'], { what: 'both jobs to run', timeoutMs: 10_000 });
    expect(await jobsInRedis()).toBe(before);
  });

  it('sends a worker’s delayed job through Redis, and it runs after its delay', async () => {
    const before = await jobsInRedis();
    const offeredAt = Date.now();
    await worker.enqueue([inbox('retry-later', 500)]);
    expect(await jobsInRedis()).toBe(before + 1);
    await eventually(async () => ran['retry-later'], { what: 'the delayed job to run', timeoutMs: 10_000 });
    expect(Date.now() - offeredAt).toBeGreaterThanOrEqual(490);
  });

  it('with QUEUE_LOCAL_FIRST=false, sends a worker’s own jobs through Redis too', async () => {
    const plain = processQueue(false);
    await plain.startWorkers(recording(ran, 'plain worker'));
    const before = await jobsInRedis();
    await plain.enqueue([inbox('through-redis')]);
    await eventually(async () => ran['through-redis'], { what: 'the job to run', timeoutMs: 10_000 });
    expect(await jobsInRedis()).toBe(before + 1);
  });
});
