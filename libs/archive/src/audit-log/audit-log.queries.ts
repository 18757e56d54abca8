import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { AppError, type Page } from '@app/common';
import type { DataSource, EntityManager } from 'typeorm';
import { ChainVerifier, type AuditEntry, type ChainBreak } from './audit-chain';

interface AuditRow {
  seq: string;
  at: Date;
  actor: string;
  action: string;
  subject: string;
  data: Record<string, unknown>;
  prev_hash: string;
  hash: string;
}

export type ChainVerification =
  | { valid: true; entries: number; head: { seq: number; hash: string } | null }
  | { valid: false; entriesChecked: number; brokenAt: ChainBreak };

const COLUMNS = 'seq, at, actor, action, subject, data, prev_hash, hash';

function toEntry(row: AuditRow): AuditEntry {
  return {
    seq: Number(row.seq),
    at: row.at,
    actor: row.actor,
    action: row.action,
    subject: row.subject,
    data: row.data,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

/**
 * Recomputes the whole chain in keyset batches, up to the head as it was when verification started (appends
 * are serialised and commit in seq order, so what is visible is always a prefix of the chain). `db` is a
 * DataSource or a transaction's EntityManager.
 */
export async function verifyAuditChain(db: Pick<EntityManager, 'query'>, batchSize = 1000): Promise<ChainVerification> {
  const [{ head }]: { head: string | null }[] = await db.query(`SELECT max(seq) AS head FROM audit_log`);
  const verifier = new ChainVerifier();
  let after = 0;
  const last = head === null ? 0 : Number(head);
  while (after < last) {
    const rows: AuditRow[] = await db.query(
      `SELECT ${COLUMNS} FROM audit_log WHERE seq > $1 AND seq <= $2 ORDER BY seq LIMIT $3`,
      [after, last, batchSize],
    );
    if (rows.length === 0) break;
    for (const row of rows) {
      const broken = verifier.check(toEntry(row));
      if (broken) return { valid: false, entriesChecked: verifier.verified, brokenAt: broken };
    }
    after = Number(rows[rows.length - 1].seq);
  }
  // Entries deleted at the end leave no gap to see: a head below the highest seq ever returned is caught
  // only by comparing with a head kept elsewhere (an anchor), which is what `head` is for.
  return { valid: true, entries: verifier.verified, head: verifier.head ?? null };
}

/** Reads the chain: verification end to end, and listing. */
@Injectable()
export class AuditLogQueries {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** The whole chain, recomputed (see `verifyAuditChain`). */
  async verify(batchSize = 1000): Promise<ChainVerification> {
    return verifyAuditChain(this.dataSource, batchSize);
  }

  /** Entries oldest first, optionally of one subject; the cursor is the last seq seen. */
  async list(query: { subject?: string; limit?: number; cursor?: string }): Promise<Page<AuditEntry>> {
    const limit = query.limit ?? 50;
    const after = query.cursor === undefined ? 0 : decodeSeqCursor(query.cursor);
    const params: unknown[] = [after, limit + 1];
    let where = 'seq > $1';
    if (query.subject !== undefined) {
      params.push(query.subject);
      where += ' AND subject = $3';
    }
    const rows: AuditRow[] = await this.dataSource.query(
      `SELECT ${COLUMNS} FROM audit_log WHERE ${where} ORDER BY seq LIMIT $2`,
      params,
    );
    const items = rows.slice(0, limit).map(toEntry);
    const lastItem = items[items.length - 1];
    return { items, nextCursor: rows.length > limit && lastItem ? encodeSeqCursor(lastItem.seq) : null };
  }
}

export function encodeSeqCursor(seq: number): string {
  return Buffer.from(JSON.stringify(['seq', seq])).toString('base64url');
}

export function decodeSeqCursor(cursor: string): number {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(parsed) && parsed[0] === 'seq' && Number.isSafeInteger(parsed[1]) && parsed[1] >= 0) {
      return parsed[1] as number;
    }
  } catch {
    // reported below
  }
  throw new AppError('REQUEST.INVALID', 'The cursor is not one this API returned', {
    fields: [{ field: 'cursor', problem: 'unknown cursor' }],
  });
}
