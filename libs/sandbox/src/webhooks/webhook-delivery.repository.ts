import { Injectable } from '@nestjs/common';
import { SandboxDatabase } from '../database/sandbox-database';
import type { AttemptOutcome } from './webhook-http.client';
import type { WebhookMessageStatus } from './webhook-message.store';

export interface DeliveryFilter {
  envelopeId?: string;
  status?: WebhookMessageStatus;
  type?: string;
  limit: number;
  /** Only messages with a smaller seq (the previous page's next_cursor). */
  before?: string;
}

export interface MessageRow {
  id: string;
  envelope_id: string;
  type: string;
  url: string;
  status: WebhookMessageStatus;
  attempts: number;
  next_attempt_at: Date;
  created_at: Date;
  delivered_at: Date | null;
  last_error: string | null;
  body: string;
  seq: string;
}

export interface AttemptRow {
  message_id: string;
  attempt: number;
  started_at: Date;
  duration_ms: number;
  outcome: AttemptOutcome;
  status_code: number | null;
  response: string | null;
  error: string | null;
  duplicate: boolean;
}

export interface DeliveryRecord {
  message: MessageRow;
  attempts: AttemptRow[];
}

const MESSAGE_COLUMNS =
  'id, envelope_id, type, url, status, attempts, next_attempt_at, created_at, delivered_at, last_error, body, seq';

/** Read side of the delivery log, and the manual retry. */
@Injectable()
export class WebhookDeliveryRepository {
  constructor(private readonly database: SandboxDatabase) {}

  /** Newest first; one page plus its cursor (null on the last page). */
  async list(filter: DeliveryFilter): Promise<{ records: DeliveryRecord[]; nextCursor: string | null }> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (filter.envelopeId !== undefined) add('envelope_id = ?', filter.envelopeId);
    if (filter.status !== undefined) add('status = ?', filter.status);
    if (filter.type !== undefined) add('type = ?', filter.type);
    if (filter.before !== undefined) add('seq < ?::bigint', filter.before);
    params.push(filter.limit + 1);
    const rows = await this.database.query<MessageRow>(
      `SELECT ${MESSAGE_COLUMNS} FROM webhook_messages
        ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY seq DESC LIMIT $${params.length}`,
      params,
    );
    const page = rows.slice(0, filter.limit);
    const nextCursor = rows.length > filter.limit ? page[page.length - 1].seq : null;
    return { records: await this.withAttempts(page), nextCursor };
  }

  async find(id: string): Promise<DeliveryRecord | undefined> {
    const rows = await this.database.query<MessageRow>(
      `SELECT ${MESSAGE_COLUMNS} FROM webhook_messages WHERE id = $1`,
      [id],
    );
    return rows.length === 0 ? undefined : (await this.withAttempts(rows))[0];
  }

  /**
   * Manual redelivery: a delivered or failed message becomes pending and due now, with a fresh retry round
   * (retry_base); a pending one is only brought forward, so a message in flight is never attempted twice.
   * Returns false for an unknown id.
   */
  async retry(id: string): Promise<boolean> {
    const rows = await this.database.query(
      `UPDATE webhook_messages
          SET next_attempt_at = CASE WHEN status = 'pending' THEN least(next_attempt_at, now()) ELSE now() END,
              retry_base = CASE WHEN status = 'pending' THEN retry_base ELSE attempts END,
              delivered_at = CASE WHEN status = 'pending' THEN delivered_at ELSE NULL END,
              status = 'pending'
        WHERE id = $1
        RETURNING id`,
      [id],
    );
    return rows.length === 1;
  }

  private async withAttempts(messages: MessageRow[]): Promise<DeliveryRecord[]> {
    if (messages.length === 0) return [];
    const attempts = await this.database.query<AttemptRow>(
      `SELECT message_id, attempt, started_at, duration_ms, outcome, status_code, response, error, duplicate
         FROM webhook_attempts WHERE message_id = ANY($1::text[]) ORDER BY attempt, id`,
      [messages.map((m) => m.id)],
    );
    const byMessage = new Map<string, AttemptRow[]>();
    for (const row of attempts) byMessage.set(row.message_id, [...(byMessage.get(row.message_id) ?? []), row]);
    return messages.map((message) => ({ message, attempts: byMessage.get(message.id) ?? [] }));
  }
}
