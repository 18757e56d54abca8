import { randomBytes, randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { modifiedRows, oneStatement, type SqlStatement } from '@app/common';
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

/** The chain's last entry (none yet: nulls) and the time the next entries carry. */
export interface AuditHead {
  seq: string | null;
  hash: string | null;
  now: Date;
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
    const [entry] = await AuditLog.appendMany(em, [input]);
    return entry;
  }

  /** Takes the appenders' lock until the caller's transaction ends (re-entrant). */
  static async lock(em: EntityManager): Promise<void> {
    await em.query(`SELECT pg_advisory_xact_lock($1)`, [AUDIT_LOG_LOCK_KEY]);
  }

  /**
   * Appends entries in the given order, chained one after another, in the caller's transaction: one lock, one
   * head read and one statement for the writes whatever their number (the same lock rules as `append`).
   * `head`: the caller took `lock` earlier in this transaction and then read `AuditLog.headQuery` (each in a statement
   * of its own); without it, both are done here. `alongside`: the caller's own writes, sent in the same statement
   * (parts of `oneStatement`, named apart from `personal` and `logged`).
   */
  static async appendMany(
    em: EntityManager,
    inputs: readonly AuditAppend[],
    options: { head?: AuditHead; alongside?: Record<string, SqlStatement | undefined> } = {},
  ): Promise<AuditEntry[]> {
    if (inputs.length === 0) return [];
    inputs.forEach(assertAppendable);

    let head = options.head;
    if (!head) {
      await AuditLog.lock(em);
      [head] = (await em.query(AuditLog.headQuery)) as AuditHead[];
    }

    const personalRows: PersonalDataRow[] = [];
    const entries: AuditEntry[] = [];
    let seq = head.seq === null ? 0 : Number(head.seq);
    let prevHash = head.hash ?? GENESIS_HASH;
    for (const input of inputs) {
      const data: Record<string, unknown> = { ...(input.data ?? {}) };
      if (input.personal !== undefined) {
        const row = personalDataRow(input);
        personalRows.push(row);
        data.personal = { ref: row.id, sha256: personalDataDigest(row.salt, row.data) } satisfies PersonalDataRef;
      }
      seq += 1;
      const unsealed: Omit<AuditEntry, 'hash'> = {
        seq,
        at: head.now,
        actor: input.actor,
        action: input.action,
        subject: input.subject,
        // Stored as the canonical text it was hashed from: what comes back out of jsonb hashes the same.
        data: JSON.parse(canonicalJson(data)) as Record<string, unknown>,
        prevHash,
      };
      const entry: AuditEntry = { ...unsealed, hash: entryHash(unsealed) };
      entries.push(entry);
      prevHash = entry.hash;
    }

    const statement = oneStatement({
      ...options.alongside,
      personal:
        personalRows.length === 0
          ? undefined
          : {
              text: `INSERT INTO audit_personal_data (id, subject, data, salt, erase_after)
                     SELECT * FROM unnest($1::uuid[], $2::text[], $3::jsonb[], $4::text[], $5::timestamptz[])`,
              values: [
                personalRows.map((r) => r.id),
                personalRows.map((r) => r.subject),
                personalRows.map((r) => canonicalJson(r.data)),
                personalRows.map((r) => r.salt),
                personalRows.map((r) => r.eraseAfter),
              ],
            },
      logged: {
        text: `INSERT INTO audit_log (seq, at, actor, action, subject, data, prev_hash, hash)
               SELECT * FROM unnest($1::bigint[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::jsonb[],
                                    $7::text[], $8::text[])`,
        values: [
          entries.map((e) => e.seq),
          entries.map((e) => e.at.toISOString()),
          entries.map((e) => e.actor),
          entries.map((e) => e.action),
          entries.map((e) => e.subject),
          entries.map((e) => canonicalJson(e.data)),
          entries.map((e) => e.prevHash),
          entries.map((e) => e.hash),
        ],
      },
    });
    await em.query(statement.text, statement.values);
    return entries;
  }

  /**
   * Reads the chain's head (its last seq and hash; nulls when empty) and the time new entries carry: one row, in a
   * statement that runs after the lock, so that its snapshot includes the last holder's commit.
   */
  static readonly headQuery = `SELECT head.seq, head.hash, date_trunc('milliseconds', clock_timestamp()) AS now
      FROM (SELECT 1) AS one
      LEFT JOIN LATERAL (SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1) AS head ON true`;

  /** Erases one entry's personal data (GDPR art. 17, or retention). The chain is untouched and still verifies. */
  static async erasePersonalData(em: EntityManager, ref: string): Promise<boolean> {
    const rows = await modifiedRows(em, `DELETE FROM audit_personal_data WHERE id = $1 RETURNING id`, [ref]);
    return rows.length > 0;
  }

  /**
   * Erases personal-data rows whose retention ended before `now`, at most `limit` (the oldest first, so a backlog
   * goes in short transactions); returns how many.
   */
  static async eraseExpiredPersonalData(em: EntityManager, now: Date = new Date(), limit = 1000): Promise<number> {
    const rows = await modifiedRows(
      em,
      `DELETE FROM audit_personal_data
        WHERE id IN (SELECT id FROM audit_personal_data WHERE erase_after IS NOT NULL AND erase_after <= $1
                      ORDER BY erase_after LIMIT $2)
        RETURNING id`,
      [now.toISOString(), limit],
    );
    return rows.length;
  }
}

interface PersonalDataRow {
  id: string;
  subject: string;
  data: Record<string, unknown>;
  salt: string;
  eraseAfter: string | null;
}

function personalDataRow(input: AuditAppend): PersonalDataRow {
  return {
    id: randomUUID(),
    subject: input.subject,
    data: JSON.parse(canonicalJson(input.personal)) as Record<string, unknown>,
    salt: randomBytes(16).toString('hex'),
    eraseAfter: input.personalEraseAfter?.toISOString() ?? null,
  };
}

function assertAppendable(input: AuditAppend): void {
  for (const field of ['actor', 'action', 'subject'] as const) {
    if (typeof input[field] !== 'string' || input[field].length === 0 || input[field].length > 500) {
      throw new TypeError(`AuditLog.append: ${field} must be a string of 1 to 500 characters`);
    }
  }
  if (input.data !== undefined && 'personal' in input.data) {
    throw new TypeError('AuditLog.append: data.personal is reserved for the personal-data ref');
  }
}
