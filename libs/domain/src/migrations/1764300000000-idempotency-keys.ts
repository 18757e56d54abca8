import type { MigrationInterface, QueryRunner } from 'typeorm';

export class IdempotencyKeys1764300000000 implements MigrationInterface {
  name = 'IdempotencyKeys1764300000000';

  async up(db: QueryRunner): Promise<void> {
    // One row per (API key, Idempotency-Key): the claim while the request runs, then the answer to replay.
    // response_body is `json`, not `jsonb`: jsonb reorders object keys, and a replay must be the same bytes.
    // lock_token names the request holding the claim, so a request whose lease was taken over cannot
    // overwrite or release the claim of the one that took it.
    await db.query(`
      CREATE TABLE idempotency_keys (
        principal_id uuid NOT NULL,
        key text NOT NULL,
        method text NOT NULL,
        path text NOT NULL,
        request_hash text NOT NULL,
        status text NOT NULL CHECK (status IN ('in_progress', 'completed')),
        response_status int,
        response_body json,
        lock_token uuid,
        locked_until timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        completed_at timestamptz,
        PRIMARY KEY (principal_id, key),
        CHECK (status = 'in_progress' OR response_status IS NOT NULL)
      )`);
    await db.query(`CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE IF EXISTS idempotency_keys`);
  }
}
