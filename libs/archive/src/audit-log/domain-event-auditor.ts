import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { APP_CONFIG, LingeringTask, type AppConfig } from '@app/common';
import {
  errorText,
  markOutboxRows,
  outboxEventColumns,
  OutboxRelay,
  Sweeper,
  toDomainEvent,
  type DomainEvent,
  type OutboxRow,
} from '@app/event-bus';
import type { DataSource } from 'typeorm';
import { AuditLog, type AuditAppend, type AuditHead } from './audit-log';
import { splitEventPayload } from './domain-event-audit-data';

/** Events audited per transaction. */
export const AUDIT_BATCH = 500;
/**
 * How long a commit's events wait for others to share their batch: the log's lag, traded for fewer transactions
 * (at 30 contracts/s, 50 ms still meant about one batch per contract).
 */
const AUDIT_LINGER_MS = 200;
/** A pass that failed is tried again this much later. */
const RETRY_AFTER_FAILURE_MS = 1_000;

type DueRow = OutboxRow & { provider: string | null };
type HeadColumns = { head_seq: string | null; head_hash: string | null; head_now: Date };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * One hash-chained audit-log entry per domain event, exactly once. Instead of a subscriber job per event, it
 * reads the outbox rows not yet audited, in batches: in one transaction it takes the audit log's lock, reads
 * up to `AUDIT_BATCH` rows, appends their entries and marks the rows audited, so an entry exists if and only
 * if its row is marked. It runs when this process commits events (the relay tells it) and, for rows a crash
 * left behind, from the sweeper.
 */
@Injectable()
export class DomainEventAuditor implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(DomainEventAuditor.name);
  /** Audits what is committed, within `AUDIT_LINGER_MS` (so that events committed close together share a batch). */
  private readonly passes = new LingeringTask(() => this.drain(), AUDIT_LINGER_MS, {
    retryAfterMs: RETRY_AFTER_FAILURE_MS,
    // The rows stay unaudited, and are tried again in a moment.
    onError: (error) => this.logger.warn(`audit-log append deferred: ${errorText(error)}`),
  });

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly relay: OutboxRelay,
    private readonly sweeper: Sweeper,
  ) {}

  onModuleInit(): void {
    this.relay.onEventsCommitted(() => this.poke());
    this.sweeper.register('audit-log', (olderThanMs) => this.catchUp(olderThanMs));
    // Retention (AUDIT_PERSONAL_DATA_RETENTION_DAYS): each pass erases what is due, a thousand rows at a time.
    this.sweeper.register('audit-retention', () => AuditLog.eraseExpiredPersonalData(this.dataSource.manager), {
      describe: (count) =>
        `erased the personal data of ${count} audit-log entr${count === 1 ? 'y' : 'ies'} (retention)`,
    });
  }

  /** Before the database closes: what is pending is audited now, then nothing more. */
  async onModuleDestroy(): Promise<void> {
    await this.passes.close();
  }

  poke(): void {
    this.passes.poke();
  }

  /** Audits rows older than `olderThanMs` (what no commit in this process announced); returns how many. */
  async catchUp(olderThanMs: number): Promise<number> {
    let total = 0;
    for (let audited = AUDIT_BATCH; audited === AUDIT_BATCH; total += audited) {
      audited = await this.auditBatch(olderThanMs);
    }
    return total;
  }

  private async drain(): Promise<void> {
    while ((await this.auditBatch()) === AUDIT_BATCH);
  }

  /** One transaction: up to AUDIT_BATCH unaudited rows (only those older than `olderThanMs` if given). */
  async auditBatch(olderThanMs?: number): Promise<number> {
    return this.dataSource.transaction(async (em) => {
      // Taken before the read, so the read sees every row an earlier holder marked, and the head it wrote.
      await AuditLog.lock(em);
      // The rows and the chain's head in one statement: the head comes on every row, and alone when none is due.
      const rows: (Partial<DueRow> & HeadColumns)[] = await em.query(
        `WITH head AS (${AuditLog.headQuery}),
                due AS (SELECT ${outboxEventColumns('o')}, o.created_at, e.provider
                          FROM outbox o
                          LEFT JOIN inbound_events e
                            ON e.id = CASE WHEN o.causation_id ~* '${UUID.source}' THEN o.causation_id::uuid END
                         WHERE o.audited_at IS NULL
                           AND ($2::double precision IS NULL OR o.created_at < now() - make_interval(secs => $2 / 1000))
                         ORDER BY o.created_at, o.id
                         LIMIT $1)
           SELECT due.*, head.seq AS head_seq, head.hash AS head_hash, head.now AS head_now
             FROM head LEFT JOIN due ON true
            ORDER BY due.created_at, due.id`,
        [AUDIT_BATCH, olderThanMs ?? null],
      );
      const due = rows.filter((row): row is DueRow & HeadColumns => typeof row.id === 'string');
      if (due.length === 0) return 0;
      const head: AuditHead = { seq: rows[0].head_seq, hash: rows[0].head_hash, now: rows[0].head_now };
      // The entries and the rows marked audited: one statement.
      await AuditLog.appendMany(
        em,
        due.map((row) => auditAppendOf(toDomainEvent(row), row.provider, this.config.audit.personalDataRetentionDays)),
        {
          head,
          alongside: {
            marked: {
              text: markOutboxRows('audited_at'),
              values: [due.map((r) => r.id)],
            },
          },
        },
      );
      return due.length;
    });
  }
}

/**
 * The entry for one event: `provider:<name>` as actor when a provider's webhook directly caused it. With a retention
 * period, its personal data may be erased that many days after the event.
 */
export function auditAppendOf(event: DomainEvent, causingProvider: string | null, retentionDays?: number): AuditAppend {
  const { data, personal } = splitEventPayload(event);
  const occurredAt = new Date(event.occurredAt);
  return {
    actor: causingProvider ? `provider:${causingProvider}` : 'system',
    action: event.type,
    subject: `${event.aggregateType}:${event.aggregateId}`,
    data: {
      eventId: event.id,
      occurredAt: event.occurredAt,
      correlationId: event.correlationId,
      causationId: event.causationId,
      payload: data,
    },
    personal,
    ...(personal !== undefined && retentionDays !== undefined
      ? { personalEraseAfter: new Date(occurredAt.getTime() + retentionDays * 86_400_000) }
      : {}),
  };
}
