import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { oneStatement } from '@app/common';
import { SandboxDatabase } from '../database/sandbox-database';
import type { AttemptResult } from './webhook-http.client';

export type WebhookMessageStatus = 'pending' | 'delivered' | 'failed';
export const WEBHOOK_MESSAGE_STATUSES: readonly WebhookMessageStatus[] = ['pending', 'delivered', 'failed'];

/** A message this process holds the lease on. */
export interface ClaimedMessage {
  id: string;
  url: string;
  body: string;
  attempts: number;
  retryBase: number;
  /** Proves the lease is still ours when the attempt is recorded. */
  leaseToken: string;
}

export interface AttemptVerdict {
  status: WebhookMessageStatus;
  /** For `pending`: when to try again, from the moment the attempt is recorded. */
  retryInMs: number | null;
  lastError: string | null;
}

interface ClaimRow {
  id: string;
  url: string;
  body: string;
  attempts: number;
  retry_base: number;
  next_attempt_at: Date;
  seq: string;
}

/** The dispatcher's SQL: claiming due messages under a lease, recording attempts, giving leases back. */
@Injectable()
export class WebhookMessageStore {
  constructor(private readonly database: SandboxDatabase) {}

  /**
   * Leases up to `limit` messages: due ones, or exactly `ids` (due or not) for deliverNow. SKIP LOCKED lets
   * several sandbox processes claim side by side; the lease (not the row lock, gone at commit) keeps a
   * message with one of them until it is recorded or, if that process died, until the lease expires.
   */
  async claim(limit: number, leaseMs: number, ids?: readonly string[]): Promise<ClaimedMessage[]> {
    if (limit <= 0 || ids?.length === 0) return [];
    const leaseToken = randomBytes(12).toString('base64url');
    const which = ids === undefined ? 'next_attempt_at <= now()' : 'id = ANY($4::text[])';
    const rows = await this.database.query<ClaimRow>(
      `UPDATE webhook_messages m
          SET locked_until = now() + make_interval(secs => $2::double precision / 1000), lease_token = $3
        WHERE m.id IN (
          SELECT id FROM webhook_messages
           WHERE status = 'pending' AND ${which} AND (locked_until IS NULL OR locked_until < now())
           ORDER BY next_attempt_at, seq
           LIMIT $1
           FOR UPDATE SKIP LOCKED)
        RETURNING m.id, m.url, m.body, m.attempts, m.retry_base, m.next_attempt_at, m.seq`,
      ids === undefined ? [limit, leaseMs, leaseToken] : [limit, leaseMs, leaseToken, ids],
    );
    // RETURNING has no order; start them in due order so an unshuffled outbox leaves roughly in sequence.
    rows.sort((a, b) => a.next_attempt_at.getTime() - b.next_attempt_at.getTime() || Number(a.seq) - Number(b.seq));
    return rows.map((row) => ({
      id: row.id,
      url: row.url,
      body: row.body,
      attempts: row.attempts,
      retryBase: row.retry_base,
      leaseToken,
    }));
  }

  /**
   * Writes the attempt log and the message's new state together, in one statement. Returns false when the lease
   * was lost (it expired and another process took the message): the attempt is still logged, since it did happen.
   */
  async record(
    message: ClaimedMessage,
    attempt: number,
    results: readonly AttemptResult[],
    verdict: AttemptVerdict,
  ): Promise<boolean> {
    const statement = oneStatement(
      {
        // The first result is the delivery; any after it, duplicates the fault injection sent.
        logged:
          results.length === 0
            ? undefined
            : {
                text: `INSERT INTO webhook_attempts
                         (message_id, attempt, started_at, duration_ms, outcome, status_code, response, error, duplicate)
                       SELECT $1::text, $2::integer, started_at, duration_ms, outcome, status_code, response, error, n > 1
                         FROM unnest($3::timestamptz[], $4::integer[], $5::text[], $6::integer[], $7::text[], $8::text[])
                              WITH ORDINALITY AS r(started_at, duration_ms, outcome, status_code, response, error, n)
                        ORDER BY n`,
                values: [
                  message.id,
                  attempt,
                  results.map((r) => r.startedAt),
                  results.map((r) => r.durationMs),
                  results.map((r) => r.outcome),
                  results.map((r) => r.statusCode),
                  results.map((r) => r.response),
                  results.map((r) => r.error),
                ],
              },
      },
      {
        text: `UPDATE webhook_messages
                  SET attempts = $3,
                      status = $4,
                      next_attempt_at = CASE WHEN $5::bigint IS NULL THEN next_attempt_at
                                             ELSE now() + make_interval(secs => $5::double precision / 1000) END,
                      delivered_at = CASE WHEN $4 = 'delivered' THEN now() ELSE delivered_at END,
                      last_error = $6,
                      locked_until = NULL,
                      lease_token = NULL
                WHERE id = $1 AND lease_token = $2
                RETURNING id`,
        values: [message.id, message.leaseToken, attempt, verdict.status, verdict.retryInMs, verdict.lastError],
      },
    );
    const updated = await this.database.query(statement.text, statement.values);
    return updated.length === 1;
  }

  /** An attempt cut short by shutdown is not counted: the message is due again at once, for any process. */
  async release(message: ClaimedMessage): Promise<void> {
    await this.database.query(
      `UPDATE webhook_messages SET locked_until = NULL, lease_token = NULL WHERE id = $1 AND lease_token = $2`,
      [message.id, message.leaseToken],
    );
  }

  /** Where deliverNow's messages stand when another process holds them. */
  async progress(ids: readonly string[]): Promise<{ id: string; status: WebhookMessageStatus; attempts: number }[]> {
    return this.database.query(`SELECT id, status, attempts FROM webhook_messages WHERE id = ANY($1::text[])`, [ids]);
  }
}
