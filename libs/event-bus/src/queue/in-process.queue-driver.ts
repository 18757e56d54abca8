import type { JobContext, JobContracts, JobHandlers, JobName, JobOutcome, JobSpec } from '../jobs';
import { QueueClosedError, type QueueDriver, type QueueHealth } from './queue-driver';
import { errorMessage, type QueueLogger } from './queue-logger';
import { backoffDelay, settlesWithin } from './timeouts';

export interface InProcessQueueDriverOptions {
  /** Jobs of one name running at once. */
  concurrency: number;
  /** Runs of a job before it is dropped, the first one included. */
  attempts: number;
  /** Delay before the first retry; doubled for each later one. */
  backoffMs: number;
  logger: QueueLogger;
  /** How long `close()` waits for running handlers. */
  closeTimeoutMs?: number;
}

interface Entry {
  spec: JobSpec;
  /** 1-based number of the run in progress, or of the next one while waiting or delayed. */
  attempt: number;
  /** A pending retry or a delayed first run. */
  timer?: NodeJS.Timeout;
}

interface Lane {
  /** Every job of this name not yet finished (waiting, delayed or running), by id: the dedupe set. */
  entries: Map<string, Entry>;
  waiting: Entry[];
  running: number;
}

/** Jitter takes up to this share off a retry delay, as the BullMQ driver does, so retries of a burst spread out. */
const RETRY_JITTER = 0.2;

/**
 * Calls the handler that matches the spec. Generic over the name so the compiler checks that data and handler agree
 * without a switch that each new job name would have to extend.
 */
function invoke<N extends JobName>(
  handlers: JobHandlers,
  spec: { name: N; data: JobContracts[N] },
  context: JobContext,
): Promise<JobOutcome> {
  return handlers[spec.name](spec.data, context);
}

/**
 * Runs jobs inside this process, for a single-process set-up without Redis. Jobs live only in memory: a crash loses
 * them, and the sweepers re-dispatch the database rows they stood for.
 */
export class InProcessQueueDriver implements QueueDriver {
  private readonly lanes = new Map<JobName, Lane>();
  private readonly running = new Set<Promise<void>>();
  private idleWaiters: Array<() => void> = [];
  private handlers: JobHandlers | undefined;
  private closed = false;
  private readonly closeTimeoutMs: number;

  constructor(private readonly options: InProcessQueueDriverOptions) {
    if (!Number.isInteger(options.concurrency) || options.concurrency < 1) {
      throw new Error(`concurrency must be a positive integer, got ${options.concurrency}`);
    }
    if (!Number.isInteger(options.attempts) || options.attempts < 1) {
      throw new Error(`attempts must be a positive integer, got ${options.attempts}`);
    }
    this.closeTimeoutMs = options.closeTimeoutMs ?? 10_000;
  }

  enqueue(jobs: readonly JobSpec[]): Promise<void> {
    if (this.closed) {
      return Promise.reject(new QueueClosedError('In-process queue'));
    }
    const touched = new Set<Lane>();
    for (const spec of jobs) {
      const lane = this.lane(spec.name);
      if (lane.entries.has(spec.id)) {
        continue;
      }
      const entry: Entry = { spec, attempt: 1 };
      lane.entries.set(spec.id, entry);
      if (spec.delayMs && spec.delayMs > 0) {
        this.later(lane, entry, spec.delayMs);
        continue;
      }
      lane.waiting.push(entry);
      touched.add(lane);
    }
    touched.forEach((lane) => this.pump(lane));
    return Promise.resolve();
  }

  startWorkers(handlers: JobHandlers): Promise<void> {
    if (this.handlers) {
      return Promise.reject(new Error('Workers already started'));
    }
    this.handlers = handlers;
    this.lanes.forEach((lane) => this.pump(lane));
    return Promise.resolve();
  }

  health(): Promise<QueueHealth> {
    return Promise.resolve({ up: true, driver: 'in-process' });
  }

  /** Whether a job of this id is waiting, delayed or running here. */
  holds(job: JobSpec): boolean {
    return this.lanes.get(job.name)?.entries.has(job.id) ?? false;
  }

  /**
   * Whether this process should take a job of this name now: workers started, the queue open, and fewer jobs of
   * the name waiting than may run at once, so that a backlog stays short here and the rest can go where other
   * processes take it (LocalFirstQueueDriver).
   */
  hasRoom(name: JobName): boolean {
    const waiting = this.lanes.get(name)?.waiting.length ?? 0;
    return this.handlers !== undefined && !this.closed && waiting < this.options.concurrency;
  }

  /** Resolves once no job is waiting, delayed for a retry or running. Jobs enqueued before `startWorkers` count. */
  idle(): Promise<void> {
    if (this.isIdle()) {
      return Promise.resolve();
    }
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  async close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.lanes.forEach((lane) => {
        lane.entries.forEach((entry) => clearTimeout(entry.timer));
        lane.entries.clear();
        lane.waiting = [];
      });
    }
    if (!(await settlesWithin(Promise.all(this.running), this.closeTimeoutMs))) {
      this.options.logger.warn(`In-process queue closed with ${this.running.size} job(s) still running`);
    }
    this.notifyIfIdle();
  }

  private lane(name: JobName): Lane {
    let lane = this.lanes.get(name);
    if (!lane) {
      lane = { entries: new Map(), waiting: [], running: 0 };
      this.lanes.set(name, lane);
    }
    return lane;
  }

  private pump(lane: Lane): void {
    const handlers = this.handlers;
    while (handlers && !this.closed && lane.running < this.options.concurrency) {
      const entry = lane.waiting.shift();
      if (!entry) {
        break;
      }
      lane.running += 1;
      const run = this.run(handlers, lane, entry)
        .catch((error: unknown) =>
          this.options.logger.error(`In-process queue bookkeeping failed: ${errorMessage(error)}`),
        )
        .finally(() => {
          this.running.delete(run);
          lane.running -= 1;
          this.pump(lane);
          this.notifyIfIdle();
        });
      this.running.add(run);
    }
  }

  private async run(handlers: JobHandlers, lane: Lane, entry: Entry): Promise<void> {
    const { spec } = entry;
    let outcome: JobOutcome;
    try {
      outcome = await invoke(handlers, spec, { jobId: spec.id, attempt: entry.attempt });
    } catch (error) {
      this.failed(lane, entry, error);
      return;
    }
    lane.entries.delete(spec.id);
    this.options.logger.debug?.(`Job ${spec.name} ${spec.id} ${outcome}`);
  }

  private failed(lane: Lane, entry: Entry, error: unknown): void {
    const { spec, attempt } = entry;
    if (this.closed) {
      lane.entries.delete(spec.id);
      return;
    }
    if (attempt >= this.options.attempts) {
      lane.entries.delete(spec.id);
      this.options.logger.error(
        `Job ${spec.name} ${spec.id} dropped after ${attempt} attempt(s): ${errorMessage(error)}`,
      );
      return;
    }
    const delay = backoffDelay(this.options.backoffMs, attempt, RETRY_JITTER);
    this.options.logger.warn(
      `Job ${spec.name} ${spec.id} failed on attempt ${attempt}, retrying in ${delay} ms: ${errorMessage(error)}`,
    );
    entry.attempt = attempt + 1;
    this.later(lane, entry, delay);
  }

  /** Puts the entry in the waiting line after `delayMs`; it stays in `entries` meanwhile, so its id is deduped. */
  private later(lane: Lane, entry: Entry, delayMs: number): void {
    entry.timer = setTimeout(() => {
      entry.timer = undefined;
      lane.waiting.push(entry);
      this.pump(lane);
    }, delayMs);
    // A pending retry or delayed job must not keep a process alive that is otherwise done; the sweepers own durability.
    entry.timer.unref();
  }

  private isIdle(): boolean {
    return [...this.lanes.values()].every((lane) => lane.entries.size === 0 && lane.running === 0);
  }

  private notifyIfIdle(): void {
    if (this.idleWaiters.length === 0 || !this.isIdle()) {
      return;
    }
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    waiters.forEach((resolve) => resolve());
  }
}
