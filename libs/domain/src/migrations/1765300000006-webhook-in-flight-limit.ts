import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An ERP endpoint's limit on calls at once (README "Telling the ERP"):
 * - `webhook_endpoints.max_in_flight`: at most this many of its deliveries running at a time; null, no limit.
 * - `webhook_deliveries.held`: pending because its endpoint had no free place when it came due; the end of one of the
 *   endpoint's calls wakes the oldest held delivery (the partial index finds it), and `next_attempt_at` is a safety
 *   net in case that wake is lost. Running deliveries are counted by `webhook_deliveries_endpoint_idx`.
 */
export class WebhookInFlightLimit1765300000006 implements MigrationInterface {
  name = 'WebhookInFlightLimit1765300000006';

  async up(db: QueryRunner): Promise<void> {
    await db.query(
      `ALTER TABLE webhook_endpoints ADD COLUMN max_in_flight integer CHECK (max_in_flight BETWEEN 1 AND 1000)`,
    );
    await db.query(`ALTER TABLE webhook_deliveries ADD COLUMN held boolean NOT NULL DEFAULT false`);
    await db.query(
      `CREATE INDEX webhook_deliveries_held_idx ON webhook_deliveries (endpoint_id, created_at, id) WHERE held`,
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX webhook_deliveries_held_idx`);
    await db.query(`ALTER TABLE webhook_deliveries DROP COLUMN held`);
    await db.query(`ALTER TABLE webhook_endpoints DROP COLUMN max_in_flight`);
  }
}
