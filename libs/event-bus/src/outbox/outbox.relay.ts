import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { APP_CONFIG, Coalescer, type AppConfig } from '@app/common';
import type { DataSource } from 'typeorm';
import { outboxJobId, type JobSpec } from '../jobs';
import { QUEUE_DRIVER, type QueueDriver } from '../queue/queue-driver';
import { ThrottledLog } from '../queue/queue-logger';
import { subscribersOf } from '../subscriptions';
import { Sweeper } from '../sweeper/sweeper';
import { markOutboxRows } from './outbox-marks';
import type { OutboxRef } from './outbox.writer';

/** The line logged, at most once per 10 s, while dispatched marks fail to be written. */
export const DISPATCHED_MARKS_LOST = 'dispatched marks not written, the sweeper may dispatch those events again';

/**
 * Turns committed outbox rows into one job per (event, subscriber). Runs after commit; if it fails
 * (Redis down, process killed) the rows stay undispatched and the sweeper tries again.
 */
@Injectable()
export class OutboxRelay implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(OutboxRelay.name);
  /** While the queue is down every commit's dispatch fails alike: a line per 10 s says so. */
  private readonly deferrals = new ThrottledLog(this.logger, { level: 'warn' });
  private readonly committedListeners: Array<() => void> = [];
  /**
   * `dispatched_at` marks of dispatches close in time share one UPDATE. Nobody waits for them: a lost mark only
   * means the sweeper dispatches the event again, which its receipts make harmless. They linger 200 ms, far
   * below the sweeper's grace (30 s by default): at 30 contracts/s, 20 ms still meant about two UPDATEs per
   * contract. A mark that fails is logged once per UPDATE (and at most once per 10 s), not once per dispatch in it.
   */
  private readonly dispatchedMarks = new Coalescer<string>(
    async (ids) => {
      try {
        await this.dataSource.query(markOutboxRows('dispatched_at'), [ids]);
      } catch (error) {
        this.deferrals.report(DISPATCHED_MARKS_LOST, error);
      }
    },
    { maxInFlight: 2, maxBatch: 1000, lingerMs: 200 },
  );

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(QUEUE_DRIVER) private readonly queue: QueueDriver,
    private readonly sweeper: Sweeper,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.sweeper.register('outbox', (olderThanMs) => this.sweep(olderThanMs));
    this.sweeper.register('unfinished subscriber', () => this.retryUnfinished(this.config.sweeper.retryAfterMs));
  }

  /** Before the database closes: the marks still lingering are written. */
  async onModuleDestroy(): Promise<void> {
    await this.dispatchedMarks.drain();
  }

  /**
   * `listener` runs whenever this process learns that outbox rows were committed (after a commit, and when the
   * sweeper finds rows a crash left behind): for consumers that read the outbox themselves, in batches.
   */
  onEventsCommitted(listener: () => void): void {
    this.committedListeners.push(listener);
  }

  async dispatch(events: readonly OutboxRef[]): Promise<void> {
    if (events.length === 0) return;
    this.committedListeners.forEach((listener) => listener());
    const jobs: JobSpec[] = events.flatMap((event) =>
      subscribersOf(event.type).map((subscriber) => ({
        name: 'outbox.deliver' as const,
        id: outboxJobId(event.id, subscriber),
        data: { eventId: event.id, subscriber },
      })),
    );
    await this.queue.enqueue(jobs);
    // Never rejects: a failed mark is logged where it failed.
    void this.dispatchedMarks.submit(events.map((e) => e.id));
  }

  /** Rows a crash left undispatched (committed, but the process died before `dispatch`). */
  private async sweep(olderThanMs: number): Promise<number> {
    const rows: OutboxRef[] = await this.dataSource.query(
      `SELECT id, type FROM outbox
        WHERE dispatched_at IS NULL AND created_at < now() - make_interval(secs => $1::double precision / 1000)
        ORDER BY created_at LIMIT 1000`,
      [olderThanMs],
    );
    await this.dispatch(rows);
    // Written before the pass ends, so the next pass does not find the same rows again.
    await this.dispatchedMarks.drain();
    return rows.length;
  }

  /**
   * Dispatched events whose subscribers have not all got their receipt `afterMs` after dispatch: a job that
   * ran out of attempts (a platform down longer than the queue's backoff), or was lost with a Redis that kept
   * nothing. The missing subscribers are dispatched again (exactly once still holds: the receipt decides);
   * complete events are marked settled and never looked at again.
   */
  async retryUnfinished(afterMs: number): Promise<number> {
    const rows: { id: string; type: string; done: string[] }[] = await this.dataSource.query(
      `SELECT o.id, o.type, coalesce(array_agg(r.subscriber) FILTER (WHERE r.subscriber IS NOT NULL), '{}') AS done
         FROM (SELECT id, type FROM outbox
                WHERE settled_at IS NULL AND dispatched_at < now() - make_interval(secs => $1::double precision / 1000)
                ORDER BY dispatched_at LIMIT 5000) o
         LEFT JOIN subscriber_receipts r ON r.event_id = o.id
        GROUP BY o.id, o.type`,
      [afterMs],
    );
    const settled: string[] = [];
    const retried: string[] = [];
    const jobs: JobSpec[] = [];
    for (const row of rows) {
      const missing = subscribersOf(row.type).filter((s) => !row.done.includes(s));
      if (missing.length === 0) {
        settled.push(row.id);
        continue;
      }
      retried.push(row.id);
      for (const subscriber of missing) {
        jobs.push({
          name: 'outbox.deliver',
          id: outboxJobId(row.id, subscriber),
          data: { eventId: row.id, subscriber },
        });
      }
    }
    if (jobs.length > 0) {
      await this.queue.enqueue(jobs);
      this.logger.warn(`dispatched again, no receipt after ${afterMs} ms: ${jobs.map((j) => j.id).join(', ')}`);
      // Looked at again only after another full wait.
      await this.dataSource.query(markOutboxRows('dispatched_at'), [retried]);
    }
    if (settled.length > 0) {
      await this.dataSource.query(markOutboxRows('settled_at'), [settled]);
    }
    return jobs.length;
  }

  /** For the hot path: a failure here is not the caller's failure, the sweeper owns the retry. */
  async dispatchOrLeaveForSweeper(events: readonly OutboxRef[]): Promise<void> {
    try {
      await this.dispatch(events);
    } catch (error) {
      this.deferrals.report('dispatch of outbox events deferred to the sweeper', error);
    }
  }
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
