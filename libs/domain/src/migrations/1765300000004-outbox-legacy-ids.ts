import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Outbox event ids are time-ordered (UUID version 7) from this version on, so an ERP webhook backfill finds a time
 * range of events as a range of the primary key. Events written before have random ids (version 4): this partial
 * index finds those by `created_at`. A new row is never in it (its predicate is false for a version-7 id, and the id
 * never changes), so it costs the hot path nothing but the predicate.
 */
export class OutboxLegacyIds1765300000004 implements MigrationInterface {
  name = 'OutboxLegacyIds1765300000004';

  async up(db: QueryRunner): Promise<void> {
    await db.query(
      `CREATE INDEX outbox_legacy_ids_created_idx ON outbox (created_at, id) WHERE substr(id::text, 15, 1) <> '7'`,
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX outbox_legacy_ids_created_idx`);
  }
}
