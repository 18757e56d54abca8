import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json';

/** The `prevHash` of the first entry. */
export const GENESIS_HASH = '0'.repeat(64);

/** One link of the chain, as stored in `audit_log`. */
export interface AuditEntry {
  seq: number;
  /** UTC instant, milliseconds precision (the database keeps exactly what was hashed). */
  at: Date;
  actor: string;
  action: string;
  subject: string;
  data: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

export type ChainBreakReason = 'hash_mismatch' | 'prev_hash_mismatch' | 'seq_gap';

export interface ChainBreak {
  seq: number;
  reason: ChainBreakReason;
  expected: string;
  actual: string;
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** The exact text that is hashed: the canonical JSON of the entry's seven fields (see `entryHash`). */
export function hashedText(entry: Omit<AuditEntry, 'hash'>): string {
  return canonicalJson({
    action: entry.action,
    actor: entry.actor,
    at: entry.at.toISOString(),
    data: entry.data,
    prevHash: entry.prevHash,
    seq: entry.seq,
    subject: entry.subject,
  });
}

/**
 * `hash = lower-case hex SHA-256 of the UTF-8 bytes of canonicalJson({action, actor, at, data, prevHash, seq,
 * subject})`, where `at` is the UTC ISO instant with milliseconds and `seq` a JSON number. Canonical JSON is
 * RFC 8785 (see canonical-json.ts): keys sorted, no whitespace. So the text for entry 1 is, byte for byte,
 *
 *   {"action":"ContractSent","actor":"system","at":"2026-11-26T10:15:00.000Z","data":{"at":"…"},
 *    "prevHash":"0000…0000","seq":1,"subject":"contract:…"}        (on one line)
 *
 * To recompute an entry by hand:
 *
 *   psql -Atc "SELECT json_build_object('seq', seq, 'at', to_char(at AT TIME ZONE 'UTC',
 *     'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), 'actor', actor, 'action', action, 'subject', subject,
 *     'data', data, 'prevHash', prev_hash) FROM audit_log WHERE seq = 42" \
 *   | node -e 'const {canonicalJson} = require("./dist/libs/archive/src");
 *       const t = canonicalJson(JSON.parse(require("fs").readFileSync(0, "utf8")));
 *       console.log(require("crypto").createHash("sha256").update(t).digest("hex"))'
 *
 * and compare with `hash`; `prev_hash` must equal the previous entry's `hash` (64 zeros for seq 1). Where
 * `data` holds only strings, integers, booleans and nesting (what SignBridge writes), `jq -cjS .` produces the
 * same canonical text as `canonicalJson`, so `... | jq -cjS . | sha256sum` works too.
 */
export function entryHash(entry: Omit<AuditEntry, 'hash'>): string {
  return sha256Hex(hashedText(entry));
}

/**
 * Walks a chain in seq order, one entry at a time (so it can be fed in keyset batches), and stops at the
 * first link that does not hold. Checks, in this order: the seq follows the previous one (1 first), the
 * `prevHash` is the previous entry's `hash`, and the stored `hash` is the recomputed one.
 */
export class ChainVerifier {
  private previousSeq = 0;
  private previousHash = GENESIS_HASH;
  /** Entries that verified. */
  verified = 0;
  broken: ChainBreak | undefined;

  check(entry: AuditEntry): ChainBreak | undefined {
    if (this.broken) return this.broken;
    this.broken = this.firstProblem(entry);
    if (!this.broken) {
      this.verified += 1;
      this.previousSeq = entry.seq;
      this.previousHash = entry.hash;
    }
    return this.broken;
  }

  /** The last verified entry, or undefined while none has been. */
  get head(): { seq: number; hash: string } | undefined {
    return this.verified === 0 ? undefined : { seq: this.previousSeq, hash: this.previousHash };
  }

  private firstProblem(entry: AuditEntry): ChainBreak | undefined {
    const expectedSeq = this.previousSeq + 1;
    if (entry.seq !== expectedSeq) {
      return { seq: entry.seq, reason: 'seq_gap', expected: String(expectedSeq), actual: String(entry.seq) };
    }
    if (entry.prevHash !== this.previousHash) {
      return { seq: entry.seq, reason: 'prev_hash_mismatch', expected: this.previousHash, actual: entry.prevHash };
    }
    const recomputed = entryHash(entry);
    if (entry.hash !== recomputed) {
      return { seq: entry.seq, reason: 'hash_mismatch', expected: recomputed, actual: entry.hash };
    }
    return undefined;
  }
}

/** Verifies a whole chain held in memory. */
export function verifyChain(entries: Iterable<AuditEntry>): { valid: boolean; verified: number; broken?: ChainBreak } {
  const verifier = new ChainVerifier();
  for (const entry of entries) {
    if (verifier.check(entry)) break;
  }
  return { valid: !verifier.broken, verified: verifier.verified, broken: verifier.broken };
}
