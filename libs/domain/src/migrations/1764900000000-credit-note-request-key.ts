import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `request_key`: the API request that issued a credit note (a hash of the API key and its Idempotency-Key), unique.
 * The Idempotency-Key's stored answer is written after the issuing transaction; if the process dies in between, a
 * retry finds the credit note by this key instead of issuing a second one.
 */
export class CreditNoteRequestKey1764900000000 implements MigrationInterface {
  name = 'CreditNoteRequestKey1764900000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE invoices ADD COLUMN request_key text`);
    await db.query(`CREATE UNIQUE INDEX invoices_request_key ON invoices (request_key) WHERE request_key IS NOT NULL`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX invoices_request_key`);
    await db.query(`ALTER TABLE invoices DROP COLUMN request_key`);
  }
}
