import type { EntityManager } from 'typeorm';

/**
 * Serialises everything that concerns one envelope: applying its events and registering its contract.
 * Without it an event could be parked ("no contract yet") just as the contract commits, and stay parked.
 */
export async function lockEnvelope(em: EntityManager, provider: string, envelopeId: string): Promise<void> {
  await em.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`envelope:${provider}:${envelopeId}`]);
}
