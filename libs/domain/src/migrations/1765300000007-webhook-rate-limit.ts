import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An ERP endpoint's limit on calls per second (README "Telling the ERP"):
 * - `webhook_endpoints.max_per_second`: its calls start at least 1/max_per_second s apart; null, no limit.
 * - `webhook_endpoints.rate_last_call_at`: when its last call under that limit started.
 * - `webhook_endpoints.rate_next_at`: the first time not reserved by one of its waiting deliveries.
 * - `webhook_deliveries.rate_slot_at`: the call time reserved for this delivery, which found no free time when it came
 *   due; `next_attempt_at` is set to it, and its claim then takes no further time. Cleared by its claim, and whenever
 *   it is held instead (its circuit open, no free place), so that a reservation is never spent twice. The partial
 *   index finds an endpoint's waiting deliveries when its limits change, and counts them for `/metrics`.
 */
export class WebhookRateLimit1765300000007 implements MigrationInterface {
  name = 'WebhookRateLimit1765300000007';

  async up(db: QueryRunner): Promise<void> {
    await db.query(
      `ALTER TABLE webhook_endpoints
         ADD COLUMN max_per_second integer CHECK (max_per_second BETWEEN 1 AND 1000),
         ADD COLUMN rate_last_call_at timestamptz,
         ADD COLUMN rate_next_at timestamptz`,
    );
    await db.query(`ALTER TABLE webhook_deliveries ADD COLUMN rate_slot_at timestamptz`);
    await db.query(
      `CREATE INDEX webhook_deliveries_paced_idx ON webhook_deliveries (endpoint_id, created_at, id)
        WHERE rate_slot_at IS NOT NULL`,
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX webhook_deliveries_paced_idx`);
    await db.query(`ALTER TABLE webhook_deliveries DROP COLUMN rate_slot_at`);
    await db.query(
      `ALTER TABLE webhook_endpoints
         DROP COLUMN rate_next_at, DROP COLUMN rate_last_call_at, DROP COLUMN max_per_second`,
    );
  }
}
