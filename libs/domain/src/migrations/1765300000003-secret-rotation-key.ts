import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `webhook_endpoints.rotation_request_key`: the digest of the Idempotency-Key of the last secret rotation, as
 * `request_key` is for creation. A retry whose stored answer was lost gets the secret that rotation made instead of
 * rotating again (which would drop, from the signatures, the secret the ERP still verifies with).
 */
export class SecretRotationKey1765300000003 implements MigrationInterface {
  name = 'SecretRotationKey1765300000003';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE webhook_endpoints ADD COLUMN rotation_request_key text`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE webhook_endpoints DROP COLUMN rotation_request_key`);
  }
}
