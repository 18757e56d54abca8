import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Coalescer } from '@app/common';
import type { DataSource } from 'typeorm';
import type { JobContracts, JobOutcome } from '../jobs';
import { JobRegistry, type SubscriberResult } from '../registry/job-registry';
import { isSubscriberName, type SubscriberName } from '../subscriptions';
import { OutboxRelay, errorText } from './outbox.relay';
import { outboxEventColumns, toDomainEvent, type OutboxRow } from './outbox.writer';

/** One waiting delivery of a batched subscriber, and how it ended. */
interface Delivery {
  eventId: string;
  settled?: { outcome: JobOutcome } | { error: unknown };
}

/**
 * Deliveries of one batched subscriber that share a transaction: enough to spread the commit over many, few
 * enough that the locks they take are not held long. Two batches of a subscriber may run at once per process.
 */
const BATCH = { maxBatch: 20, maxInFlight: 2 } as const;

/**
 * The `outbox.deliver` job: hands one domain event to one subscriber, exactly once. The receipt row
 * (event, subscriber) is inserted first in the subscriber's own transaction: a redelivered job blocks on it
 * until the first run commits, then finds it and skips.
 *
 * A subscriber registered as `batched` has the deliveries that wait at the same moment run together in one
 * transaction (group commit): nothing waits for a batch to fill, so a lone delivery runs at once, and under load
 * each commit carries several. All of them commit or none; if the shared transaction fails, each delivery runs
 * again alone, and only the one at fault fails its job.
 */
@Injectable()
export class SubscriberRunner implements OnModuleInit {
  private readonly logger = new Logger('SubscriberRunner');
  private readonly batches = new Map<SubscriberName, Coalescer<Delivery>>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly registry: JobRegistry,
    private readonly relay: OutboxRelay,
  ) {}

  onModuleInit(): void {
    this.registry.registerJob('outbox.deliver', (data) => this.deliver(data));
  }

  async deliver({ eventId, subscriber }: JobContracts['outbox.deliver']): Promise<JobOutcome> {
    if (!isSubscriberName(subscriber)) throw new Error(`Unknown subscriber "${subscriber}"`);
    if (!this.registry.isBatched(subscriber)) return (await this.deliverTogether(subscriber, [eventId]))[0];
    const delivery: Delivery = { eventId };
    await this.batchOf(subscriber).submit([delivery]);
    const settled = delivery.settled;
    if (!settled) throw new Error(`Delivery of ${eventId} to ${subscriber} was never run`);
    if ('error' in settled) throw settled.error;
    return settled.outcome;
  }

  private batchOf(subscriber: SubscriberName): Coalescer<Delivery> {
    let batch = this.batches.get(subscriber);
    if (!batch) {
      batch = new Coalescer((deliveries) => this.settle(subscriber, deliveries), BATCH);
      this.batches.set(subscriber, batch);
    }
    return batch;
  }

  /** Settles every delivery, never rejects: together first, then alone if that failed. */
  private async settle(subscriber: SubscriberName, deliveries: Delivery[]): Promise<void> {
    if (deliveries.length > 1) {
      try {
        const outcomes = await this.deliverTogether(
          subscriber,
          deliveries.map((d) => d.eventId),
        );
        deliveries.forEach((d, i) => (d.settled = { outcome: outcomes[i] }));
        return;
      } catch (error) {
        this.logger.debug(`${deliveries.length} deliveries to ${subscriber} run one by one: ${errorText(error)}`);
      }
    }
    for (const delivery of deliveries) {
      try {
        delivery.settled = { outcome: (await this.deliverTogether(subscriber, [delivery.eventId]))[0] };
      } catch (error) {
        delivery.settled = { error };
      }
    }
  }

  /**
   * One transaction: the receipts of every event and the events themselves in one statement, then the handler
   * for each event whose receipt this transaction inserted, in the order of their aggregates (two transactions
   * that lock the same contracts lock them in the same order). Dispatches what they emitted once committed.
   */
  private async deliverTogether(subscriber: SubscriberName, eventIds: readonly string[]): Promise<JobOutcome[]> {
    const handler = this.registry.subscriber(subscriber);
    const results = await this.dataSource.transaction(async (em) => {
      // `first` is false when an earlier run already holds the receipt. Receipts go in in id order, so two
      // batches that share events wait for each other instead of deadlocking.
      const rows: (OutboxRow & { first: boolean })[] = await em.query(
        `WITH receipt AS (
           INSERT INTO subscriber_receipts (event_id, subscriber, outcome)
           SELECT DISTINCT id, $2, 'done' FROM unnest($1::uuid[]) AS id ORDER BY id
           ON CONFLICT DO NOTHING RETURNING event_id)
         SELECT id IN (SELECT event_id FROM receipt) AS first, ${outboxEventColumns()}
           FROM outbox WHERE id = ANY($1::uuid[])
          ORDER BY aggregate_id, created_at`,
        [eventIds, subscriber],
      );
      const found = new Set(rows.map((row) => row.id));
      const missing = eventIds.find((id) => !found.has(id));
      if (missing) throw new Error(`Outbox event ${missing} does not exist`);
      const handled = new Map<string, SubscriberResult>();
      for (const row of rows) {
        if (row.first) handled.set(row.id, await handler(toDomainEvent(row), em));
      }
      const skipped = [...handled].filter(([, result]) => result.outcome === 'skipped').map(([id]) => id);
      if (skipped.length > 0) {
        await em.query(
          `UPDATE subscriber_receipts SET outcome = 'skipped' WHERE subscriber = $2 AND event_id = ANY($1::uuid[])`,
          [skipped, subscriber],
        );
      }
      return handled;
    });
    await this.relay.dispatchOrLeaveForSweeper([...results.values()].flatMap((result) => result.emitted));
    // Committed is committed: work that fails after the commit is logged, and the sweepers pick up what it left.
    for (const [id, result] of results) {
      await result.afterCommit?.().catch((error: unknown) => {
        this.logger.warn(`after delivering ${id} to ${subscriber}: ${errorText(error)}`);
      });
    }
    // An event asked for twice in one batch is handled once; its second delivery finds the receipt and skips.
    const answered = new Set<string>();
    return eventIds.map((id) => {
      const result = results.get(id);
      if (!result || answered.has(id)) return 'skipped';
      answered.add(id);
      return result.outcome;
    });
  }
}
