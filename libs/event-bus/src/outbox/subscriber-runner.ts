import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Coalescer } from '@app/common';
import type { DataSource } from 'typeorm';
import type { JobContracts, JobOutcome } from '../jobs';
import { JobRegistry, type SubscriberResult } from '../registry/job-registry';
import { isSubscriberName, type SubscriberName } from '../subscriptions';
import { OutboxRelay, errorText } from './outbox.relay';
import { outboxEventColumns, toDomainEvent, type OutboxRow } from './outbox.writer';

/** One event for one subscriber. */
interface Target {
  eventId: string;
  subscriber: SubscriberName;
}

/** One waiting delivery to a batched subscriber, and how it ended. */
interface Delivery extends Target {
  settled?: { outcome: JobOutcome } | { error: unknown };
}

/**
 * Deliveries to batched subscribers that share a transaction: enough to spread the commit over many, few enough
 * that the locks they take are not held long. Two batches may run at once per process.
 */
const BATCH = { maxBatch: 20, maxInFlight: 2 } as const;

/**
 * The `outbox.deliver` job: hands one domain event to one subscriber, exactly once. The receipt row
 * (event, subscriber) is inserted first in the subscriber's own transaction: a redelivered job blocks on it
 * until the first run commits, then finds it and skips.
 *
 * Deliveries to subscribers registered as `batched` that wait at the same moment run together in one
 * transaction (group commit), whichever batched subscriber each is for: an event's several subscribers (the
 * customer, the first invoice and the provisioning runs of one `ContractActivated`) and several events alike.
 * Nothing waits for a batch to fill, so a lone delivery runs at once, and under load each commit carries
 * several. All of them commit or none; if the shared transaction fails, each delivery runs again alone, and only
 * the one at fault fails its job.
 */
@Injectable()
export class SubscriberRunner implements OnModuleInit {
  private readonly logger = new Logger('SubscriberRunner');
  private readonly batch = new Coalescer<Delivery>((deliveries) => this.settle(deliveries), BATCH);

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
    if (!this.registry.isBatched(subscriber)) return (await this.deliverTogether([{ eventId, subscriber }]))[0];
    const delivery: Delivery = { eventId, subscriber };
    await this.batch.submit([delivery]);
    const settled = delivery.settled;
    if (!settled) throw new Error(`Delivery of ${eventId} to ${subscriber} was never run`);
    if ('error' in settled) throw settled.error;
    return settled.outcome;
  }

  /** Settles every delivery, never rejects: together first, then alone if that failed. */
  private async settle(deliveries: Delivery[]): Promise<void> {
    if (deliveries.length > 1) {
      try {
        const outcomes = await this.deliverTogether(deliveries);
        deliveries.forEach((d, i) => (d.settled = { outcome: outcomes[i] }));
        return;
      } catch (error) {
        this.logger.debug(`${deliveries.length} deliveries run one by one: ${errorText(error)}`);
      }
    }
    for (const delivery of deliveries) {
      try {
        delivery.settled = { outcome: (await this.deliverTogether([delivery]))[0] };
      } catch (error) {
        delivery.settled = { error };
      }
    }
  }

  /**
   * One transaction: the receipts of every (event, subscriber) and the events themselves in one statement, then
   * the handler for each receipt this transaction inserted: in the order of their aggregates (two transactions
   * that lock the same contracts lock them in the same order), the `lastInBatch` subscribers' after the others'.
   * Dispatches what they emitted once committed.
   */
  private async deliverTogether(targets: readonly Target[]): Promise<JobOutcome[]> {
    const results = await this.dataSource.transaction(async (em) => {
      // `first` lists the subscribers whose receipt this transaction inserted; an earlier run holds the others'.
      // Receipts go in in key order, so two batches that share deliveries wait for each other, not deadlock.
      const rows: (OutboxRow & { first: SubscriberName[] })[] = await em.query(
        `WITH receipt AS (
           INSERT INTO subscriber_receipts (event_id, subscriber, outcome)
           SELECT DISTINCT event_id, subscriber, 'done' FROM unnest($1::uuid[], $2::text[]) AS d(event_id, subscriber)
            ORDER BY event_id, subscriber
           ON CONFLICT DO NOTHING RETURNING event_id, subscriber)
         SELECT ARRAY(SELECT subscriber FROM receipt WHERE event_id = o.id ORDER BY subscriber) AS first,
                ${outboxEventColumns('o')}
           FROM outbox o WHERE o.id = ANY($1::uuid[])
          ORDER BY o.aggregate_id, o.created_at`,
        [targets.map((t) => t.eventId), targets.map((t) => t.subscriber)],
      );
      const found = new Set(rows.map((row) => row.id));
      const missing = targets.find((t) => !found.has(t.eventId));
      if (missing) throw new Error(`Outbox event ${missing.eventId} does not exist`);
      const runs = rows.flatMap((row) => row.first.map((subscriber) => ({ row, subscriber })));
      const last = (subscriber: SubscriberName) => (this.registry.isLastInBatch(subscriber) ? 1 : 0);
      runs.sort((a, b) => last(a.subscriber) - last(b.subscriber));
      const handled = new Map<string, SubscriberResult>();
      const skipped: Target[] = [];
      for (const { row, subscriber } of runs) {
        const result = await this.registry.subscriber(subscriber)(toDomainEvent(row), em);
        handled.set(deliveryKey({ eventId: row.id, subscriber }), result);
        if (result.outcome === 'skipped') skipped.push({ eventId: row.id, subscriber });
      }
      if (skipped.length > 0) {
        await em.query(
          `UPDATE subscriber_receipts r SET outcome = 'skipped'
             FROM unnest($1::uuid[], $2::text[]) AS s(event_id, subscriber)
            WHERE r.event_id = s.event_id AND r.subscriber = s.subscriber`,
          [skipped.map((t) => t.eventId), skipped.map((t) => t.subscriber)],
        );
      }
      return handled;
    });
    await this.relay.dispatchOrLeaveForSweeper([...results.values()].flatMap((result) => result.emitted));
    // Committed is committed: work that fails after the commit is logged, and the sweepers pick up what it left.
    for (const [key, result] of results) {
      await result.afterCommit?.().catch((error: unknown) => {
        this.logger.warn(`after delivering ${key}: ${errorText(error)}`);
      });
    }
    // A delivery asked for twice in one batch is handled once; the second finds the receipt and skips.
    const answered = new Set<string>();
    return targets.map((target) => {
      const key = deliveryKey(target);
      const result = results.get(key);
      if (!result || answered.has(key)) return 'skipped';
      answered.add(key);
      return result.outcome;
    });
  }
}

function deliveryKey(target: Target): string {
  return `${target.eventId}:${target.subscriber}`;
}
