import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { outboxJobId, type JobSpec } from '../jobs';
import { QUEUE_DRIVER, type QueueDriver } from '../queue/queue-driver';
import { subscribersOf } from '../subscriptions';
import { Sweeper } from '../sweeper/sweeper';
import type { OutboxRef } from './outbox.writer';

/**
 * Turns committed outbox rows into one job per (event, subscriber). Runs after commit; if it fails
 * (Redis down, process killed) the rows stay undispatched and the sweeper tries again.
 */
@Injectable()
export class OutboxRelay implements OnModuleInit {
  private readonly logger = new Logger(OutboxRelay.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(QUEUE_DRIVER) private readonly queue: QueueDriver,
    private readonly sweeper: Sweeper,
  ) {}

  onModuleInit(): void {
    this.sweeper.register('outbox', (olderThanMs) => this.sweep(olderThanMs));
  }

  async dispatch(events: readonly OutboxRef[]): Promise<void> {
    if (events.length === 0) return;
    const jobs: JobSpec[] = events.flatMap((event) =>
      subscribersOf(event.type).map((subscriber) => ({
        name: 'outbox.deliver' as const,
        id: outboxJobId(event.id, subscriber),
        data: { eventId: event.id, subscriber },
      })),
    );
    await this.queue.enqueue(jobs);
    await this.dataSource.query(`UPDATE outbox SET dispatched_at = now() WHERE id = ANY($1::uuid[])`, [
      events.map((e) => e.id),
    ]);
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
    return rows.length;
  }

  /** For the hot path: a failure here is not the caller's failure, the sweeper owns the retry. */
  async dispatchOrLeaveForSweeper(events: readonly OutboxRef[]): Promise<void> {
    try {
      await this.dispatch(events);
    } catch (error) {
      this.logger.warn(`dispatch of ${events.length} outbox event(s) deferred to the sweeper: ${errorText(error)}`);
    }
  }
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
