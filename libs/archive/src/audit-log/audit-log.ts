import { randomBytes, randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { modifiedRows } from '@app/common';
import { entryHash, GENESIS_HASH, sha256Hex, type AuditEntry } from './audit-chain';
import { canonicalJson } from './canonical-json';

/**
 * Serialises appends across every process: taken inside the caller's transaction and held until it ends, so
 * the head read after it is the head the new entry extends (no forks), and seq is gapless (a rolled-back
 * append releases the lock without having used its seq).
 */
export const AUDIT_LOG_LOCK_KEY = 0x5b51_0003;

export interface AuditAppend {
  /** Who did it: `system`, `provider:<name>`, `api-key:<keyId>`. */
  actor: string;
  /** What happened: a domain event type, or an operator action such as `InboundEventReplayed`. */
  action: string;
  /** What it happened to: `contract:<id>`, `customer:<id>`, `inbound-event:<id>`. */
  subject: string;
  /** Hashed into the chain: never personal data (it can never be erased from there). */
  data?: Record<string, unknown>;
  /**
   * Personal data (e-mail, IP, user agent, names): stored in `audit_personal_data`, which retention may
   * erase; the chain holds only `data.personal = {ref, sha256}`.
   */
  personal?: Record<string, unknown>;
  /** When the personal data may be erased (retention); unset: kept until erased explicitly. */
  personalEraseAfter?: Date;
}

/** `data.personal` of an entry that has personal data. */
export interface PersonalDataRef {
  ref: string;
  /** Lower-case hex SHA-256 of the UTF-8 bytes of `salt + canonicalJson(personal data)`. */
  sha256: string;
}

/** The salted digest that binds a personal-data row to its chain entry without revealing it. */
export function personalDataDigest(salt: string, personal: Record<string, unknown>): string {
  return sha256Hex(`${salt}${canonicalJson(personal)}`);
}

/**
 * The tamper-evident audit log (ARCHITECTURE.md §8.6): an append-only, hash-chained table. Appends run in the
 * caller's transaction, so an entry exists if and only if what it records was committed.
 */
export class AuditLog {
  /**
   * Appends one entry in the caller's transaction (`em` must be inside `dataSource.transaction`). It takes a
   * transaction-wide advisory lock held until commit: make it the last thing the transaction does, after its
   * row locks, so no two transactions wait on each other in opposite orders.
   */
  static async append(em: EntityManager, input: AuditAppend): Promise<AuditEntry> {
    for (const field of ['actor', 'action', 'subject'] as const) {
      if (typeof input[field] !== 'string' || input[field].length === 0 || input[field].length > 500) {
        throw new TypeError(`AuditLog.append: ${field} must be a string of 1 to 500 characters`);
      }
    }
    const data: Record<string, unknown> = { ...(input.data ?? {}) };
    if ('personal' in data) throw new TypeError('AuditLog.append: data.personal is reserved for the personal-data ref');

    await em.query(`SELECT pg_advisory_xact_lock($1)`, [AUDIT_LOG_LOCK_KEY]);
    const [head]: { seq: string | null; hash: string | null; now: Date }[] = await em.query(
      `SELECT l.seq, l.hash, date_trunc('milliseconds', clock_timestamp()) AS now
         FROM (SELECT 1) AS one
         LEFT JOIN LATERAL (SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1) AS l ON true`,
    );

    if (input.personal !== undefined) {
      const ref = randomUUID();
      const salt = randomBytes(16).toString('hex');
      const personal = JSON.parse(canonicalJson(input.personal)) as Record<string, unknown>;
      await em.query(
        `INSERT INTO audit_personal_data (id, subject, data, salt, erase_after) VALUES ($1, $2, $3::jsonb, $4, $5)`,
        [ref, input.subject, canonicalJson(personal), salt, input.personalEraseAfter?.toISOString() ?? null],
      );
      data.personal = { ref, sha256: personalDataDigest(salt, personal) } satisfies PersonalDataRef;
    }

    const unsealed: Omit<AuditEntry, 'hash'> = {
      seq: head.seq === null ? 1 : Number(head.seq) + 1,
      at: head.now,
      actor: input.actor,
      action: input.action,
      subject: input.subject,
      // Stored as the canonical text it was hashed from: what comes back out of jsonb hashes the same.
      data: JSON.parse(canonicalJson(data)) as Record<string, unknown>,
      prevHash: head.hash ?? GENESIS_HASH,
    };
    const entry: AuditEntry = { ...unsealed, hash: entryHash(unsealed) };
    await em.query(
      `INSERT INTO audit_log (seq, at, actor, action, subject, data, prev_hash, hash)
       VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8)`,
      [
        entry.seq,
        entry.at.toISOString(),
        entry.actor,
        entry.action,
        entry.subject,
        canonicalJson(entry.data),
        entry.prevHash,
        entry.hash,
      ],
    );
    return entry;
  }

  /** Erases one entry's personal data (GDPR art. 17, or retention). The chain is untouched and still verifies. */
  static async erasePersonalData(em: EntityManager, ref: string): Promise<boolean> {
    const rows = await modifiedRows(em, `DELETE FROM audit_personal_data WHERE id = $1 RETURNING id`, [ref]);
    return rows.length > 0;
  }

  /** Erases every personal-data row whose retention ended before `now`; returns how many. */
  static async eraseExpiredPersonalData(em: EntityManager, now: Date = new Date()): Promise<number> {
    const rows = await modifiedRows(
      em,
      `DELETE FROM audit_personal_data WHERE erase_after IS NOT NULL AND erase_after <= $1 RETURNING id`,
      [now.toISOString()],
    );
    return rows.length;
  }
}
