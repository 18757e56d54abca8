import type { DataSource } from 'typeorm';
import { ENVELOPE_LOCK_KEY_SQL, envelopeLockKey } from '@app/contracts';
import { connectTestDatabase } from '../support/test-db';

/**
 * The envelope's advisory lock is keyed in TypeScript (events, registration) and in SQL (system transitions, which
 * find the envelope and lock it in one statement): both must name the same lock, or the two paths would not
 * exclude each other.
 */
describe('the envelope lock key', () => {
  let db: DataSource;
  beforeAll(async () => {
    db = await connectTestDatabase();
  });
  afterAll(() => db.destroy());

  it('is the same text in SQL as in TypeScript', async () => {
    for (const [provider, envelopeId] of [
      ['sandbox', 'env_01HXYZ'],
      ['docusign', 'a1b2c3d4-0000-4000-8000-000000000000'],
      ['x', "it's:odd"],
    ]) {
      const [row]: { key: string }[] = await db.query(
        `SELECT ${ENVELOPE_LOCK_KEY_SQL} AS key FROM (SELECT $1::text AS provider, $2::text AS envelope_id) AS contracts`,
        [provider, envelopeId],
      );
      expect(row.key).toBe(envelopeLockKey(provider, envelopeId));
    }
  });
});
