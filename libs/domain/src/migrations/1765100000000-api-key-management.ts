import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Keys made through `POST /api/v1/api-keys`: `created_by`, the key that made it (null for the bootstrap key), and
 * `request_key`, the request that made it (a hash of that key's id and its Idempotency-Key), unique. A retry whose
 * answer was lost finds its key by it, instead of making a second one.
 */
export class ApiKeyManagement1765100000000 implements MigrationInterface {
  name = 'ApiKeyManagement1765100000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE api_keys ADD COLUMN created_by uuid, ADD COLUMN request_key text`);
    await db.query(`CREATE UNIQUE INDEX api_keys_request_key ON api_keys (request_key) WHERE request_key IS NOT NULL`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX api_keys_request_key`);
    await db.query(`ALTER TABLE api_keys DROP COLUMN request_key, DROP COLUMN created_by`);
  }
}
