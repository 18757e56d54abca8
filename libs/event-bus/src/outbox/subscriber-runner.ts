import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { JobContracts, JobOutcome } from '../jobs';
import { JobRegistry } from '../registry/job-registry';
import { isSubscriberName } from '../subscriptions';
import { OutboxRelay } from './outbox.relay';
import { outboxEventColumns, toDomainEvent, type OutboxRef, type OutboxRow } from './outbox.writer';

/**
 * The `outbox.deliver` job: hands one domain event to one subscriber, exactly once. The receipt row
 * (event, subscriber) is inserted first in the subscriber's own transaction: a redelivered job blocks on it
 * until the first run commits, then finds it and skips.
 */
@Injectable()
export class SubscriberRunner implements OnModuleInit {
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
    const handler = this.registry.subscriber(subscriber);
    let emitted: OutboxRef[] = [];
    let afterCommit: (() => Promise<void>) | undefined;
    const outcome = await this.dataSource.transaction(async (em): Promise<JobOutcome> => {
      // Receipt and event in one round trip: `first` is false when an earlier run already holds the receipt.
      const rows: (OutboxRow & { first: boolean })[] = await em.query(
        `WITH receipt AS (
           INSERT INTO subscriber_receipts (event_id, subscriber, outcome) VALUES ($1, $2, 'done')
           ON CONFLICT DO NOTHING RETURNING event_id)
         SELECT EXISTS (SELECT 1 FROM receipt) AS first, ${outboxEventColumns()} FROM outbox WHERE id = $1`,
        [eventId, subscriber],
      );
      const row = rows[0];
      if (!row) throw new Error(`Outbox event ${eventId} does not exist`);
      if (!row.first) return 'skipped';
      const event = toDomainEvent(row);
      const result = await handler(event, em);
      emitted = result.emitted;
      afterCommit = result.afterCommit;
      if (result.outcome === 'skipped') {
        await em.query(`UPDATE subscriber_receipts SET outcome = 'skipped' WHERE event_id = $1 AND subscriber = $2`, [
          eventId,
          subscriber,
        ]);
      }
      return result.outcome;
    });
    await this.relay.dispatchOrLeaveForSweeper(emitted);
    await afterCommit?.();
    return outcome;
  }
}
