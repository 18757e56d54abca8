import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { APP_CONFIG, type AppConfig, type SqlStatement } from '@app/common';
import { ApplySignatureEventsUseCase, type InboundDelivery } from '@app/contracts';
import type { InboundEventStatus } from '@app/domain';
import {
  errorText,
  JobRegistry,
  OutboxRelay,
  QUEUE_DRIVER,
  Sweeper,
  type JobContext,
  type JobOutcome,
  type OutboxRef,
  type QueueDriver,
} from '@app/event-bus';
import { WebhookAdapterRegistry } from '@app/signature-providers';
import type { DataSource, EntityManager } from 'typeorm';

/** What applying inbound events did: skipped (none was `received` any more), and the domain events they made. */
interface Applied {
  skipped: boolean;
  emitted: OutboxRef[];
}

interface InboundRow {
  id: string;
  provider: string;
  provider_event_id: string;
  headers: Record<string, string>;
  raw_body: Buffer;
  status: InboundEventStatus;
}

/**
 * The `inbox.process` job: one stored delivery → its contract's lifecycle, in one transaction holding the
 * inbound row's lock (so two runs of one job cannot both apply it). Domain events leave after commit.
 * `inbox.process-batch` does the same for the events of one ingress commit, in one transaction.
 */
@Injectable()
export class InboxProcessor implements OnModuleInit {
  private readonly logger = new Logger(InboxProcessor.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(QUEUE_DRIVER) private readonly queue: QueueDriver,
    private readonly registry: JobRegistry,
    private readonly sweeper: Sweeper,
    private readonly relay: OutboxRelay,
    private readonly adapters: WebhookAdapterRegistry,
    private readonly applyEvents: ApplySignatureEventsUseCase,
  ) {}

  onModuleInit(): void {
    this.registry.registerJob('inbox.process', (data, context) => this.process(data.inboundEventId, context));
    this.registry.registerJob('inbox.process-batch', (data, context) =>
      this.processBatch(data.inboundEventIds, context),
    );
    this.sweeper.register('inbox', (olderThanMs) => this.sweep(olderThanMs));
  }

  async process(inboundEventId: string, context: JobContext): Promise<JobOutcome> {
    try {
      return await this.applyCommitted([inboundEventId]);
    } catch (error) {
      await this.recordFailure(inboundEventId, error, context);
      throw error;
    }
  }

  /**
   * The events of one ingress commit, applied in one transaction: one commit for all of them, and the events of
   * one envelope (a platform often sends `signer.signed` and `envelope.completed` together) one after the other,
   * not waiting for each other's envelope lock. If that transaction fails, each runs alone, so one bad event
   * neither blocks nor undoes the others.
   */
  async processBatch(ids: string[], context: JobContext): Promise<JobOutcome> {
    if (ids.length === 1) return this.process(ids[0], context);
    try {
      return await this.applyCommitted(ids);
    } catch (error) {
      this.logger.debug(`${ids.length} inbound events run one by one: ${errorText(error)}`);
      // A retry of the batch skips the events already processed (their rows are no longer `received`).
      const alone = await Promise.allSettled(ids.map((id) => this.process(id, context)));
      return outcomeOf(alone, `${ids.length} inbound events`);
    }
  }

  /** `apply` in a transaction of its own, then the domain events it made leave. */
  private async applyCommitted(ids: string[]): Promise<JobOutcome> {
    const outcome = await this.dataSource.transaction((em) => this.apply(em, ids));
    await this.afterCommit(outcome.emitted);
    return outcome.skipped ? 'skipped' : 'done';
  }

  /**
   * Stored deliveries → their contracts' lifecycles, in the caller's transaction, holding the inbound rows'
   * locks. Those still `received` are applied per envelope, each envelope's oldest first; each envelope's
   * lifecycle writes and its deliveries' new status go to the database as one statement. Rows and envelopes
   * are locked in one order (rows by arrival, envelopes by key), so two runs that share some wait for each
   * other instead of deadlocking. `skipped` when none was still `received`.
   */
  private async apply(em: EntityManager, inboundEventIds: string[]): Promise<Applied> {
    const rows: InboundRow[] = await em.query(
      `SELECT id, provider, provider_event_id, headers, raw_body, status FROM inbound_events
        WHERE id = ANY($1::uuid[]) ORDER BY received_at, id FOR UPDATE`,
      [inboundEventIds],
    );
    const received = rows.filter((row) => row.status === 'received');
    if (received.length === 0) return { skipped: true, emitted: [] };
    const envelopes = new Map<string, { provider: string; envelopeId: string; deliveries: InboundDelivery[] }>();
    const statuses = new Map<string, InboundEventStatus>();
    for (const row of received) {
      const parsed = this.adapters
        .get(row.provider)
        .parse({ headers: row.headers, rawBody: row.raw_body }, row.provider_event_id);
      if (!parsed.known || !parsed.envelopeId) {
        statuses.set(row.id, 'ignored');
        continue;
      }
      const key = `${row.provider}\n${parsed.envelopeId}`;
      const envelope = envelopes.get(key) ?? { provider: row.provider, envelopeId: parsed.envelopeId, deliveries: [] };
      envelope.deliveries.push({ id: row.id, source: 'webhook', events: parsed.events });
      envelopes.set(key, envelope);
    }
    const emitted: OutboxRef[] = [];
    const inKeyOrder = [...envelopes.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    for (const [, envelope] of inKeyOrder) {
      const ids = envelope.deliveries.map((d) => d.id);
      const result = await this.applyEvents.execute(em, envelope, {
        inbound: statusUpdate(new Map(ids.map((id) => [id, 'processed']))),
      });
      if (result.found) emitted.push(...result.emitted);
      else ids.forEach((id) => statuses.set(id, 'parked'));
    }
    const rest = statusUpdate(statuses);
    if (rest) await em.query(rest.text, rest.values);
    return { skipped: false, emitted };
  }

  private async afterCommit(emitted: OutboxRef[]): Promise<void> {
    if (this.config.faultInjection === 'crash-after-inbox-commit' && emitted.length > 0) {
      // Test hook: die between the commit and the dispatch, the window the outbox and sweeper exist for.
      process.kill(process.pid, 'SIGKILL');
    }
    await this.relay.dispatchOrLeaveForSweeper(emitted);
  }

  /** The database, not the queue, is the record of failure: staff see it and can replay it. */
  private async recordFailure(id: string, error: unknown, context: JobContext): Promise<void> {
    const final = context.attempt >= this.config.queue.attempts;
    this.logger.warn(
      `inbound event ${id} failed (attempt ${context.attempt}${final ? ', giving up' : ''}): ${errorText(error)}`,
    );
    try {
      await this.dataSource.query(
        `UPDATE inbound_events SET attempts = attempts + 1, last_error = $2,
                status = CASE WHEN $3 THEN 'failed' ELSE status END
          WHERE id = $1 AND status = 'received'`,
        [id, errorText(error).slice(0, 2000), final],
      );
    } catch (recordError) {
      this.logger.warn(`could not record the failure of ${id}: ${errorText(recordError)}`);
    }
  }

  private async sweep(olderThanMs: number): Promise<number> {
    const rows: { id: string; attempts: number }[] = await this.dataSource.query(
      `SELECT id, attempts FROM inbound_events
        WHERE status = 'received' AND received_at < now() - make_interval(secs => $1::double precision / 1000)
        ORDER BY received_at LIMIT 1000`,
      [olderThanMs],
    );
    // Never the row's own id: that job may be stuck "active" in a queue whose worker was killed (BullMQ only
    // frees it after its lock expires) and would absorb the re-dispatch. Processing is idempotent, so a late
    // second run of the original job only finds the row processed and skips.
    await this.queue.enqueue(
      rows.map((r) => ({ name: 'inbox.process', id: `${r.id}.sweep-${r.attempts}`, data: { inboundEventId: r.id } })),
    );
    return rows.length;
  }
}

/** One outcome for several runs: an error naming how many failed and the first reason, else done if any was. */
function outcomeOf(results: PromiseSettledResult<JobOutcome>[], what: string): JobOutcome {
  const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failures.length > 0) throw new Error(`${failures.length} of ${what} failed: ${errorText(failures[0].reason)}`);
  return results.some((r) => r.status === 'fulfilled' && r.value === 'done') ? 'done' : 'skipped';
}

/** Processed: the new status of each inbound row, its attempt counted; `undefined` when there is none. */
function statusUpdate(statuses: ReadonlyMap<string, InboundEventStatus>): SqlStatement | undefined {
  if (statuses.size === 0) return undefined;
  return {
    text: `UPDATE inbound_events e
              SET status = s.status, attempts = e.attempts + 1, last_error = NULL, processed_at = now()
             FROM unnest($1::uuid[], $2::text[]) AS s(id, status)
            WHERE e.id = s.id`,
    values: [[...statuses.keys()], [...statuses.values()]],
  };
}
