import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `request_key`: the API request that created a customer (a hash of the API key and its Idempotency-Key), unique.
 * The Idempotency-Key's stored answer is written after the customer's insert; if the process dies in between, a
 * retry finds the customer by this key and gets it again, instead of a 409 for its own externalRef.
 */
export class CustomerRequestKey1765000000000 implements MigrationInterface {
  name = 'CustomerRequestKey1765000000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE customers ADD COLUMN request_key text`);
    await db.query(
      `CREATE UNIQUE INDEX customers_request_key ON customers (request_key) WHERE request_key IS NOT NULL`,
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX customers_request_key`);
    await db.query(`ALTER TABLE customers DROP COLUMN request_key`);
  }
}
