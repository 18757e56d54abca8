import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { LingeringTask } from '@app/common';
import { errorText, OUTBOX_ROW_LOCK, OutboxRelay, Sweeper } from '@app/event-bus';
import type { DataSource } from 'typeorm';
import { WebhookDeliveryRunner } from '../deliveries/webhook-delivery-runner';

/** Outbox rows fanned out per statement. */
export const FANOUT_BATCH = 500;
/** How long a commit's events wait for others to share their pass (as the audit log's). */
const FANOUT_LINGER_MS = 200;
/** A pass that failed is tried again this much later. */
const RETRY_AFTER_FAILURE_MS = 1_000;

/**
 * Turns domain events into deliveries, exactly once per (endpoint, event): one statement reads up to
 * `FANOUT_BATCH` outbox rows not yet fanned out, inserts a pending delivery for each endpoint enabled and
 * subscribed to the row's type (and registered before the event happened), and marks the rows, so a row is
 * marked if and only if its deliveries exist. It locks the rows in id order, as every writer of outbox rows does
 * (`OUTBOX_ROW_LOCK`), so it waits for the dispatched and audit marks instead of deadlocking with them. Of two
 * passes that race (two processes), the second waits for the first's rows and then leaves them, already marked;
 * the unique (endpoint, event) would refuse a second delivery anyway. The deliveries are dispatched after the commit;
 * the runner's sweep picks up any that a crash kept from being dispatched.
 *
 * Like the audit log it reads the outbox instead of taking one subscriber job per event: with no endpoint
 * registered, an event costs a share of one UPDATE.
 */
@Injectable()
export class WebhookFanout implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('ErpWebhooks');
  private readonly passes = new LingeringTask(() => this.drain(), FANOUT_LINGER_MS, {
    retryAfterMs: RETRY_AFTER_FAILURE_MS,
    // The rows stay unmarked, and are tried again in a moment.
    onError: (error) => this.logger.warn(`fan-out deferred: ${errorText(error)}`),
  });

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly relay: OutboxRelay,
    private readonly sweeper: Sweeper,
    private readonly runner: WebhookDeliveryRunner,
  ) {}

  onModuleInit(): void {
    this.relay.onEventsCommitted(() => this.passes.poke());
    this.sweeper.register('erp-webhooks fan-out', (olderThanMs) => this.catchUp(olderThanMs));
  }

  async onModuleDestroy(): Promise<void> {
    await this.passes.close();
  }

  /** Fans out rows older than `olderThanMs` (what no commit in this process announced); returns how many. */
  async catchUp(olderThanMs: number): Promise<number> {
    let total = 0;
    for (let done = FANOUT_BATCH; done === FANOUT_BATCH; total += done) done = await this.fanOutBatch(olderThanMs);
    return total;
  }

  private async drain(): Promise<void> {
    while ((await this.fanOutBatch()) === FANOUT_BATCH);
  }

  /** One statement: up to FANOUT_BATCH rows (only those older than `olderThanMs` if given); returns how many. */
  async fanOutBatch(olderThanMs?: number): Promise<number> {
    const rows: { due: number; id: string | null; next_attempt_at: Date | null }[] = await this.dataSource.query(
      `WITH due AS (SELECT id FROM outbox
                     WHERE erp_fanout_at IS NULL
                       AND ($2::double precision IS NULL OR created_at < now() - make_interval(secs => $2 / 1000))
                     ORDER BY created_at, id
                     LIMIT $1),
            -- Locked in id order, as every writer of outbox rows locks them. After waiting for a row, the lock
            -- reads it again: one that another pass fanned out meanwhile drops out here.
            locked AS (SELECT id, type, created_at FROM outbox
                        WHERE id IN (SELECT id FROM due) AND erp_fanout_at IS NULL
                        ORDER BY id ${OUTBOX_ROW_LOCK}),
            marked AS (UPDATE outbox o SET erp_fanout_at = now() FROM locked WHERE o.id = locked.id),
            inserted AS (
              INSERT INTO webhook_deliveries (id, endpoint_id, event_id, status, next_attempt_at)
              SELECT gen_random_uuid(), e.id, locked.id, 'pending', now()
                FROM locked
                JOIN webhook_endpoints e
                  ON e.status = 'enabled' AND e.created_at <= locked.created_at
                 AND (locked.type = ANY (e.event_types) OR '*' = ANY (e.event_types))
               ORDER BY locked.created_at, locked.id, e.id
              ON CONFLICT (endpoint_id, event_id) DO NOTHING
              RETURNING id, next_attempt_at)
       SELECT (SELECT count(*) FROM due)::int AS due, inserted.id, inserted.next_attempt_at
         FROM (VALUES (1)) AS one (x) LEFT JOIN inserted ON true`,
      [FANOUT_BATCH, olderThanMs ?? null],
    );
    const deliveries = rows.flatMap((row) =>
      row.id === null ? [] : [{ id: row.id, next_attempt_at: row.next_attempt_at }],
    );
    await this.runner.dispatchOrLeaveForSweeper(deliveries);
    return rows[0]?.due ?? 0;
  }
}
