import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `settled_at`: when every subscriber of the event had its receipt. Until then the relay's retry sweep looks
 * at the row now and then, so a subscriber job that ran out of attempts (its platform down for an hour, say)
 * runs again instead of being lost in the queue's failed set.
 */
export class OutboxSettled1764600000001 implements MigrationInterface {
  name = 'OutboxSettled1764600000001';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE outbox ADD COLUMN settled_at timestamptz`);
    await db.query(
      `CREATE INDEX outbox_unsettled_idx ON outbox (dispatched_at) WHERE settled_at IS NULL AND dispatched_at IS NOT NULL`,
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX outbox_unsettled_idx`);
    await db.query(`ALTER TABLE outbox DROP COLUMN settled_at`);
  }
}
