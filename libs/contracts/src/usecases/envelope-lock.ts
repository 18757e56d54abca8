import type { EntityManager } from 'typeorm';

/**
 * Serialises everything that concerns one envelope: applying its events and registering its contract.
 * Without it an event could be parked ("no contract yet") just as the contract commits, and stay parked.
 */
export async function lockEnvelope(em: EntityManager, provider: string, envelopeId: string): Promise<void> {
  await em.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [envelopeLockKey(provider, envelopeId)]);
}

export function envelopeLockKey(provider: string, envelopeId: string): string {
  return `envelope:${provider}:${envelopeId}`;
}

/** `envelopeLockKey` in SQL, over a `contracts` row in scope: the same text, so the same lock. */
export const ENVELOPE_LOCK_KEY_SQL = `'envelope:' || provider || ':' || envelope_id`;
