import { isNotConnectionError, Queue, Worker, type JobsOptions } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';
import {
  JOB_NAMES,
  type JobContracts,
  type JobHandler,
  type JobHandlers,
  type JobName,
  type JobOutcome,
  type JobSpec,
} from '../jobs';
import { QueueClosedError, type QueueDriver, type QueueHealth } from './queue-driver';
import { errorMessage, ThrottledLog, type QueueLogger } from './queue-logger';
import { settlesWithin, withTimeout } from './timeouts';

export interface BullMqQueueDriverOptions {
  redisUrl: string;
  /** BullMQ key prefix: every key this driver touches starts with `${prefix}:`. */
  prefix: string;
  /** Jobs of one name one worker process runs at once. */
  concurrency: number;
  /** Runs of a job before it is moved to the failed set, the first one included. */
  attempts: number;
  /** Delay before the first retry; doubled for each later one. */
  backoffMs: number;
  logger: QueueLogger;
  /** How long `close()` waits for running handlers before it lets go of Redis anyway. */
  closeTimeoutMs?: number;
  /**
   * A running job's lock, renewed every half of it: a job held by a killed worker runs again after at most
   * about twice this (the lock expires, then the next stalled-job check finds it). BullMQ's default is 30 s.
   */
  lockMs?: number;
}

type AnyJobData = JobContracts[JobName];

/** BullMQ forbids ':' in queue names and '.' reads badly in Redis keys, so 'inbox.process' lives in 'inbox-process'. */
export function bullQueueName(name: JobName): string {
  return name.replace(/\./g, '-');
}

const PRODUCER_SOURCE = 'Redis (producer)';
const CONSUMER_SOURCE = 'Redis (workers)';
const PRODUCER_CONNECT_WAIT_MS = 1_000;
const PING_TIMEOUT_MS = 1_000;
const RETRY_JITTER = 0.2;

const NETWORK_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
]);

/**
 * Queues and workers re-emit their connections' errors (the workers' blocking connections are BullMQ's own, with no
 * listener of ours); counted under the connection, one outage makes one log line per window instead of five.
 */
function isConnectionError(error: unknown): boolean {
  if (!(error instanceof Error)) {
    return false;
  }
  const code = 'code' in error && typeof error.code === 'string' ? error.code : '';
  return NETWORK_ERROR_CODES.has(code) || !isNotConnectionError(error);
}

/**
 * Jobs in Redis through BullMQ: one queue per job name, so a slow subscriber never holds up the inbox.
 *
 * Redis being down must cost a failed `enqueue` (the sweepers retry) and a few log lines, never a hung request,
 * a crash or a flooded log.
 */
export class BullMqQueueDriver implements QueueDriver {
  private readonly producer: Redis;
  private consumer: Redis | undefined;
  private readonly queues = new Map<JobName, Queue<AnyJobData, JobOutcome, JobName>>();
  private readonly workers: Array<{ close(force?: boolean): Promise<void> }> = [];
  private readonly errors: ThrottledLog;
  private readonly jobOptions: JobsOptions;
  private closing: Promise<void> | undefined;

  constructor(private readonly options: BullMqQueueDriverOptions) {
    this.errors = new ThrottledLog(options.logger);
    this.jobOptions = {
      attempts: options.attempts,
      backoff: { type: 'exponential', delay: options.backoffMs, jitter: RETRY_JITTER },
      removeOnComplete: { age: 3600, count: 10_000 },
      removeOnFail: { age: 7 * 24 * 3600 },
    };
    // Without the offline queue a command fails at once while Redis is unreachable instead of waiting for it;
    // commandTimeout covers the other way to hang, a connection that is open but no longer answers.
    this.producer = this.connect(PRODUCER_SOURCE, { enableOfflineQueue: false, commandTimeout: 5_000 });
  }

  async enqueue(jobs: readonly JobSpec[]): Promise<void> {
    if (this.closing) {
      throw new QueueClosedError('BullMQ queue driver');
    }
    if (jobs.length === 0) {
      return;
    }
    await this.producerReady();
    const byName = new Map<JobName, JobSpec[]>();
    for (const spec of jobs) {
      byName.set(spec.name, [...(byName.get(spec.name) ?? []), spec]);
    }
    await Promise.all([...byName].map(([name, specs]) => this.add(this.queue(name), specs)));
  }

  async startWorkers(handlers: JobHandlers): Promise<void> {
    if (this.consumer) {
      throw new Error('Workers already started');
    }
    if (this.closing) {
      throw new Error('BullMQ queue driver is closed');
    }
    // Workers block on BZPOPMIN and must wait out an outage rather than fail: BullMQ requires maxRetriesPerRequest null.
    const consumer = this.connect(CONSUMER_SOURCE, { maxRetriesPerRequest: null });
    this.consumer = consumer;
    // Not awaiting readiness on purpose: a worker process boots while Redis is down and picks up once it is back.
    JOB_NAMES.forEach((name) => this.startWorker(name, handlers, consumer));
    return Promise.resolve();
  }

  async health(): Promise<QueueHealth> {
    if (this.producer.status !== 'ready') {
      return { up: false, driver: 'bullmq', detail: `Redis connection ${this.producer.status}` };
    }
    const started = Date.now();
    try {
      const reply = await withTimeout(this.producer.ping(), PING_TIMEOUT_MS, 'Redis PING');
      return { up: reply === 'PONG', driver: 'bullmq', detail: `PING ${reply} in ${Date.now() - started} ms` };
    } catch (error) {
      return { up: false, driver: 'bullmq', detail: errorMessage(error) };
    }
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    const timeoutMs = this.options.closeTimeoutMs ?? 10_000;
    // A graceful Worker.close waits for Redis to finish the running jobs' bookkeeping and hangs forever while Redis
    // is down; nothing could be acknowledged then anyway, so force it.
    const force = this.consumer?.status !== 'ready';
    const workersClosed = Promise.allSettled(this.workers.map((worker) => worker.close(force)));
    if (!(await settlesWithin(workersClosed, timeoutMs))) {
      this.options.logger.warn(`BullMQ workers did not close within ${timeoutMs} ms; disconnecting anyway`);
    }
    await settlesWithin(Promise.allSettled([...this.queues.values()].map((queue) => queue.close())), 2_000);
    // The connections are ours (BullMQ leaves caller-supplied clients open); disconnect rather than QUIT,
    // which would wait for a Redis that may not answer.
    this.consumer?.disconnect();
    this.producer.disconnect();
  }

  private connect(source: string, overrides: RedisOptions): Redis {
    // ioredis waits 2 s for a socket that never opened to "close" before destroying it, which holds a shutting-down
    // process (or a test run) open for no reason. BullMQ's duplicates of these connections inherit the setting.
    const redis = new Redis(this.options.redisUrl, { disconnectTimeout: 200, ...overrides });
    redis.on('error', (error: unknown) => this.errors.report(source, error));
    redis.on('ready', () => this.errors.recovered(source, 'connected again'));
    return redis;
  }

  /**
   * A fresh driver is still connecting when the first job arrives; give that one connect a moment rather than
   * bouncing the job to the sweeper. A connection already known to be down fails at once.
   */
  private async producerReady(): Promise<void> {
    const producer = this.producer;
    if (producer.status === 'connecting' || producer.status === 'connect') {
      const events = ['ready', 'close', 'end'] as const;
      let settle = () => {};
      const settled = new Promise<void>((resolve) => (settle = resolve));
      events.forEach((event) => producer.once(event, settle));
      try {
        await settlesWithin(settled, PRODUCER_CONNECT_WAIT_MS);
      } finally {
        events.forEach((event) => producer.off(event, settle));
      }
    }
    if (producer.status !== 'ready') {
      throw new Error(`Redis is not reachable (connection ${producer.status})`);
    }
  }

  private queue(name: JobName): Queue<AnyJobData, JobOutcome, JobName> {
    let queue = this.queues.get(name);
    if (!queue) {
      const source = `BullMQ queue ${bullQueueName(name)}`;
      queue = new Queue<AnyJobData, JobOutcome, JobName>(bullQueueName(name), {
        connection: this.producer,
        prefix: this.options.prefix,
        // BullMQ would otherwise hold every command until the connection is ready, forever while Redis is down,
        // and its version check (INFO) failing once would leave the queue unusable for good.
        skipWaitingForReady: true,
        skipVersionCheck: true,
      });
      queue.on('error', (error: unknown) =>
        this.errors.report(isConnectionError(error) ? PRODUCER_SOURCE : source, error),
      );
      this.queues.set(name, queue);
    }
    return queue;
  }

  private async add(queue: Queue<AnyJobData, JobOutcome, JobName>, specs: readonly JobSpec[]): Promise<void> {
    await this.releaseFinished(queue, specs);
    await queue.addBulk(
      specs.map((spec) => ({
        name: spec.name,
        data: spec.data,
        opts: {
          ...this.jobOptions,
          jobId: spec.id,
          ...(spec.delayMs && spec.delayMs > 0 ? { delay: spec.delayMs } : {}),
        },
      })),
    );
  }

  /**
   * BullMQ ignores an add whose id names any job still stored, finished ones included, and finished jobs are kept
   * (an hour when completed, a week when failed). The driver contract dedupes only waiting, delayed and running
   * jobs, so a replay or a sweeper re-dispatch of a finished id must not vanish: drop the finished record first.
   * ZSCORE on the finished sets keeps the check O(log n) in one round trip; `getJobState` may scan the wait list.
   */
  private async releaseFinished(
    queue: Queue<AnyJobData, JobOutcome, JobName>,
    specs: readonly JobSpec[],
  ): Promise<void> {
    const pipeline = this.producer.pipeline();
    specs.forEach((spec) => pipeline.zscore(queue.keys.completed, spec.id).zscore(queue.keys.failed, spec.id));
    const replies = (await pipeline.exec()) ?? [];
    const failure = replies.find(([error]) => error);
    if (failure?.[0]) {
      throw failure[0];
    }
    // ZSCORE answers a score (a string) for a member and null otherwise.
    const inSet = (reply: number) => typeof replies[reply]?.[1] === 'string';
    const finished = specs.filter((_, index) => inSet(2 * index) || inSet(2 * index + 1));
    await Promise.all(finished.map((spec) => queue.remove(spec.id)));
  }

  private startWorker<N extends JobName>(name: N, handlers: JobHandlers, connection: Redis): void {
    const handler: JobHandler<N> = handlers[name];
    const queueName = bullQueueName(name);
    const { logger, attempts } = this.options;
    const worker = new Worker<JobContracts[N], JobOutcome, N>(
      queueName,
      async (job) => {
        const outcome = await handler(job.data, { jobId: job.id ?? '', attempt: job.attemptsMade + 1 });
        logger.debug?.(`Job ${name} ${job.id} ${outcome}`);
        return outcome;
      },
      {
        connection,
        prefix: this.options.prefix,
        concurrency: this.options.concurrency,
        ...(this.options.lockMs ? { lockDuration: this.options.lockMs, stalledInterval: this.options.lockMs } : {}),
      },
    );
    const source = `BullMQ worker ${queueName}`;
    worker.on('error', (error: unknown) =>
      this.errors.report(isConnectionError(error) ? CONSUMER_SOURCE : source, error),
    );
    worker.on('failed', (job, error) => {
      const id = job?.id ?? '?';
      if (!job || job.attemptsMade >= attempts) {
        logger.error(
          `Job ${name} ${id} failed for good after ${job?.attemptsMade ?? attempts} attempt(s): ${error.message}`,
        );
      } else {
        logger.warn(`Job ${name} ${id} failed on attempt ${job.attemptsMade}, will retry: ${error.message}`);
      }
    });
    this.workers.push(worker);
  }
}
