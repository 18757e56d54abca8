import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The ERP webhook endpoints' circuit breaker (README "Telling the ERP"): failed calls in a row, since when the
 * endpoint has failed without a success, and while the circuit is open, until when no delivery calls it and the
 * wait the next failed probe doubles.
 */
export class WebhookCircuitBreaker1765300000002 implements MigrationInterface {
  name = 'WebhookCircuitBreaker1765300000002';

  async up(db: QueryRunner): Promise<void> {
    await db.query(
      `ALTER TABLE webhook_endpoints
         ADD COLUMN consecutive_failures integer NOT NULL DEFAULT 0,
         ADD COLUMN failing_since timestamptz,
         ADD COLUMN circuit_open_until timestamptz,
         ADD COLUMN circuit_cooldown_ms bigint`,
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(
      `ALTER TABLE webhook_endpoints
         DROP COLUMN circuit_cooldown_ms, DROP COLUMN circuit_open_until, DROP COLUMN failing_since,
         DROP COLUMN consecutive_failures`,
    );
  }
}
