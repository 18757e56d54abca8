import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { errorText, QUEUE_DRIVER, ThrottledLog, type JobSpec, type QueueDriver } from '@app/event-bus';
import type { DataSource } from 'typeorm';

export interface NewInboundEvent {
  provider: string;
  providerEventId: string;
  providerType: string;
  envelopeId: string | null;
  headers: Record<string, string>;
  rawBody: Buffer;
  /** `ignored` for a type SignBridge does not act on: stored for the record, never processed. */
  status: 'received' | 'ignored';
}

export interface StoredInboundEvent {
  /** Set when this delivery created the row; a repeat of a stored event gets `duplicate: true`. */
  id: string | null;
  duplicate: boolean;
}

interface Pending {
  id: string;
  event: NewInboundEvent;
  resolve: (stored: StoredInboundEvent) => void;
  reject: (error: unknown) => void;
}

/** Up to this many INSERTs in flight; requests arriving meanwhile wait and go together in the next one. */
const MAX_IN_FLIGHT = 4;
const MAX_BATCH = 500;

/**
 * Group commit for the webhook hot path. Every request waits for its own row to be committed (no 2xx
 * before that), but concurrent requests share one multi-row INSERT and one WAL flush instead of paying
 * for one each. At low load a request is flushed on its own, on the next turn of the event loop.
 */
@Injectable()
export class InboxWriter {
  private readonly logger = new Logger(InboxWriter.name);
  /** While the queue is down every commit's job fails alike: a line per 10 s says so. */
  private readonly deferrals = new ThrottledLog(this.logger, { level: 'warn' });
  private readonly waiting: Pending[] = [];
  private inFlight = 0;
  private scheduled = false;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(QUEUE_DRIVER) private readonly queue: QueueDriver,
  ) {}

  store(event: NewInboundEvent): Promise<StoredInboundEvent> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ id: randomUUID(), event, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= MAX_IN_FLIGHT || this.waiting.length === 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    const batch = this.waiting.splice(0, MAX_BATCH);
    if (batch.length === 0) return;
    this.inFlight += 1;
    this.schedule();
    try {
      await this.commit(batch);
    } catch (error) {
      // Not expected (commit answers every request itself); settled twice is harmless, left pending is not.
      for (const pending of batch) pending.reject(error);
    } finally {
      this.inFlight -= 1;
      this.schedule();
    }
  }

  /**
   * One INSERT for the batch. When PostgreSQL refuses it for the data in it (SQLSTATE classes 22, 23 and 54: a value
   * it cannot store or index), the rows go in one at a time, so the request that carried that value fails alone instead of
   * taking every delivery that shared its commit down with it. Any other failure (the database down) fails all.
   */
  private async commit(batch: Pending[]): Promise<void> {
    let inserted: Set<string>;
    try {
      inserted = await this.insert(batch);
    } catch (error) {
      if (batch.length > 1 && refusedForItsData(error)) {
        this.logger.warn(`a group commit of ${batch.length} webhooks was refused (${errorText(error)}): one by one`);
        for (const pending of batch) await this.commit([pending]);
      } else {
        for (const pending of batch) pending.reject(error);
      }
      return;
    }
    const toProcess: string[] = [];
    for (const pending of batch) {
      const isNew = inserted.has(pending.id);
      pending.resolve({ id: isNew ? pending.id : null, duplicate: !isNew });
      if (isNew && pending.event.status === 'received') toProcess.push(pending.id);
    }
    // Not awaited by the requests: the rows are committed, and the sweeper re-dispatches if this fails.
    if (toProcess.length > 0) {
      const job: JobSpec = {
        name: 'inbox.process-batch',
        id: `${toProcess[0]}.batch`,
        data: { inboundEventIds: toProcess },
      };
      this.queue.enqueue([job]).catch((error: unknown) => {
        this.deferrals.report('inbound events left for the sweeper', error);
      });
    }
  }

  private async insert(batch: Pending[]): Promise<Set<string>> {
    const rows: { id: string }[] = await this.dataSource.query(
      `INSERT INTO inbound_events (id, provider, provider_event_id, provider_type, envelope_id, headers, raw_body, status)
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::jsonb[], $7::bytea[], $8::text[])
       ON CONFLICT (provider, provider_event_id) DO NOTHING
       RETURNING id`,
      [
        batch.map((p) => p.id),
        batch.map((p) => p.event.provider),
        batch.map((p) => p.event.providerEventId),
        batch.map((p) => p.event.providerType),
        batch.map((p) => p.event.envelopeId),
        batch.map((p) => JSON.stringify(p.event.headers)),
        batch.map((p) => p.event.rawBody),
        batch.map((p) => p.event.status),
      ],
    );
    return new Set(rows.map((r) => r.id));
  }
}

/**
 * PostgreSQL's data exception (22xxx), integrity violation (23xxx) or program limit exceeded (54xxx: a value too large
 * to index): the statement's values, not the server.
 */
function refusedForItsData(error: unknown): boolean {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' && /^(22|23|54)[0-9A-Z]{3}$/.test(code);
}
