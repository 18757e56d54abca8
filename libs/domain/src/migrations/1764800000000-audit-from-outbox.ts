import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `audited_at`: when the event got its audit-log entry. The audit log now reads unaudited outbox rows in
 * batches (one lock, one insert for many events) instead of one subscriber job per event; an event audited
 * before this migration has the old subscriber's receipt and is marked audited here.
 */
export class AuditFromOutbox1764800000000 implements MigrationInterface {
  name = 'AuditFromOutbox1764800000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE outbox ADD COLUMN audited_at timestamptz`);
    await db.query(`
      UPDATE outbox o SET audited_at = r.processed_at
        FROM subscriber_receipts r
       WHERE r.event_id = o.id AND r.subscriber = 'archive.audit-log'`);
    await db.query(`CREATE INDEX outbox_unaudited_idx ON outbox (created_at, id) WHERE audited_at IS NULL`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX outbox_unaudited_idx`);
    await db.query(`ALTER TABLE outbox DROP COLUMN audited_at`);
  }
}
