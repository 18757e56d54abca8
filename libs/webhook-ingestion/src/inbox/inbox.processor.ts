import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { APP_CONFIG, type AppConfig } from '@app/common';
import { ApplySignatureEventsUseCase } from '@app/contracts';
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
import type { DataSource } from 'typeorm';

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
    let outcome: { status: InboundEventStatus | 'skipped'; emitted: OutboxRef[] };
    try {
      outcome = await this.dataSource.transaction(async (em) => {
        const rows: InboundRow[] = await em.query(
          `SELECT id, provider, provider_event_id, headers, raw_body, status FROM inbound_events WHERE id = $1 FOR UPDATE`,
          [inboundEventId],
        );
        const row = rows[0];
        if (!row || row.status !== 'received') return { status: 'skipped' as const, emitted: [] };
        const parsed = this.adapters
          .get(row.provider)
          .parse({ headers: row.headers, rawBody: row.raw_body }, row.provider_event_id);
        let status: InboundEventStatus = 'ignored';
        let emitted: OutboxRef[] = [];
        if (parsed.known && parsed.envelopeId) {
          const result = await this.applyEvents.execute(em, {
            provider: row.provider,
            envelopeId: parsed.envelopeId,
            events: parsed.events,
            inboundEventId: row.id,
          });
          status = result.found ? 'processed' : 'parked';
          emitted = result.found ? result.emitted : [];
        }
        await em.query(
          `UPDATE inbound_events SET status = $2, attempts = attempts + 1, last_error = NULL, processed_at = now() WHERE id = $1`,
          [row.id, status],
        );
        return { status, emitted };
      });
    } catch (error) {
      await this.recordFailure(inboundEventId, error, context);
      throw error;
    }
    if (this.config.faultInjection === 'crash-after-inbox-commit' && outcome.emitted.length > 0) {
      // Test hook: die between the commit and the dispatch, the window the outbox and sweeper exist for.
      process.kill(process.pid, 'SIGKILL');
    }
    await this.relay.dispatchOrLeaveForSweeper(outcome.emitted);
    return outcome.status === 'skipped' ? 'skipped' : 'done';
  }

  /** Each event in its own transaction, so one failure neither blocks nor undoes the others. */
  async processBatch(ids: string[], context: JobContext): Promise<JobOutcome> {
    const results = await Promise.allSettled(ids.map((id) => this.process(id, context)));
    const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failures.length > 0) {
      // A retry of the batch skips the events already processed (their rows are no longer `received`).
      throw new Error(`${failures.length} of ${ids.length} inbound events failed: ${errorText(failures[0].reason)}`);
    }
    return results.some((r) => r.status === 'fulfilled' && r.value === 'done') ? 'done' : 'skipped';
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
