import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import type { AppConfig } from '../config/app-config';
import type { RequestFingerprint, StoredKey } from './idempotency-rules';

/** A claim this request holds: its token is what lets it complete or release the row, and nothing else. */
export interface IdempotencyClaim {
  principalId: string;
  key: string;
  token: string;
}

interface KeyRow {
  method: string;
  path: string;
  request_hash: string;
  status: 'in_progress' | 'completed';
  response_status: number | null;
  response_body: unknown;
  locked: boolean;
}

const PURGE_EVERY_MS = 60_000;

/** The idempotency_keys table. Every transition is one statement, so two racing requests cannot both win. */
export class IdempotencyStore {
  private readonly logger = new Logger('Idempotency');
  private lastPurge = 0;

  constructor(
    private readonly dataSource: DataSource,
    private readonly config: AppConfig['idempotency'],
  ) {}

  /**
   * Claims the key for this request: a new key, or one whose row is older than the retention (it counts
   * as absent and is overwritten in place). Undefined when the key has a live row.
   */
  async claim(principalId: string, key: string, request: RequestFingerprint): Promise<IdempotencyClaim | undefined> {
    this.purgeExpiredNowAndThen();
    const token = randomUUID();
    const rows: unknown[] = await this.dataSource.query(
      `INSERT INTO idempotency_keys AS k
         (principal_id, key, method, path, request_hash, status, lock_token, locked_until, created_at)
       VALUES ($1, $2, $3, $4, $5, 'in_progress', $6, now() + make_interval(secs => $7::int), now())
       ON CONFLICT (principal_id, key) DO UPDATE SET
         method = EXCLUDED.method, path = EXCLUDED.path, request_hash = EXCLUDED.request_hash,
         status = 'in_progress', response_status = NULL, response_body = NULL, lock_token = EXCLUDED.lock_token,
         locked_until = EXCLUDED.locked_until, created_at = now(), completed_at = NULL
       WHERE k.created_at < now() - make_interval(hours => $8::int)
       RETURNING 1`,
      [principalId, key, request.method, request.path, request.requestHash, token, this.lockSeconds, this.ttlHours],
    );
    return rows.length > 0 ? { principalId, key, token } : undefined;
  }

  /** The live row for the key, or undefined when there is none (or it is past the retention). */
  async find(principalId: string, key: string): Promise<StoredKey | undefined> {
    const rows: KeyRow[] = await this.dataSource.query(
      `SELECT method, path, request_hash, status, response_status, response_body,
              coalesce(locked_until > now(), false) AS locked
         FROM idempotency_keys
        WHERE principal_id = $1 AND key = $2 AND created_at >= now() - make_interval(hours => $3::int)`,
      [principalId, key, this.ttlHours],
    );
    const row = rows[0];
    if (!row) return undefined;
    return {
      method: row.method,
      path: row.path,
      requestHash: row.request_hash,
      status: row.status,
      responseStatus: row.response_status,
      responseBody: row.response_body,
      locked: row.locked,
    };
  }

  /** Takes over a claim whose lease ran out (its request crashed or hung); only one taker wins. */
  async takeOver(principalId: string, key: string): Promise<IdempotencyClaim | undefined> {
    const token = randomUUID();
    const [, affected]: [unknown[], number] = await this.dataSource.query(
      `UPDATE idempotency_keys SET lock_token = $3, locked_until = now() + make_interval(secs => $4::int)
        WHERE principal_id = $1 AND key = $2 AND status = 'in_progress' AND locked_until < now()`,
      [principalId, key, token, this.lockSeconds],
    );
    return affected > 0 ? { principalId, key, token } : undefined;
  }

  /** Records the answer to replay. False when this request no longer holds the claim. */
  async complete(claim: IdempotencyClaim, status: number, body: unknown): Promise<boolean> {
    const json = body === undefined ? null : JSON.stringify(body);
    const [, affected]: [unknown[], number] = await this.dataSource.query(
      `UPDATE idempotency_keys
          SET status = 'completed', response_status = $4, response_body = $5::json,
              completed_at = now(), lock_token = NULL, locked_until = NULL
        WHERE principal_id = $1 AND key = $2 AND lock_token = $3 AND status = 'in_progress'`,
      [claim.principalId, claim.key, claim.token, status, json],
    );
    return affected > 0;
  }

  /** Gives the key back (the attempt failed with a 5xx): the next retry runs the request again. */
  async release(claim: IdempotencyClaim): Promise<void> {
    await this.dataSource.query(
      `DELETE FROM idempotency_keys WHERE principal_id = $1 AND key = $2 AND lock_token = $3 AND status = 'in_progress'`,
      [claim.principalId, claim.key, claim.token],
    );
  }

  private get lockSeconds(): number {
    return this.config.lockSeconds;
  }

  private get ttlHours(): number {
    return this.config.ttlHours;
  }

  /** Rows past the retention are dead weight; trim a batch at most once a minute, off the request's path. */
  private purgeExpiredNowAndThen(): void {
    const now = Date.now();
    if (now - this.lastPurge < PURGE_EVERY_MS) return;
    this.lastPurge = now;
    this.dataSource
      .query(
        `DELETE FROM idempotency_keys WHERE ctid IN (
           SELECT ctid FROM idempotency_keys WHERE created_at < now() - make_interval(hours => $1::int) LIMIT 1000)`,
        [this.ttlHours],
      )
      .catch((error: unknown) => this.logger.warn(`purging expired idempotency keys failed: ${String(error)}`));
  }
}
