import type { MigrationInterface, QueryRunner } from 'typeorm';

/** What SignBridge keeps about a contract it sent for signature itself (POST /api/v1/contracts with a document). */
export class ContractSending1764300000001 implements MigrationInterface {
  name = 'ContractSending1764300000001';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE contracts ADD COLUMN document_filename text`);
    await db.query(`ALTER TABLE contracts ADD COLUMN document_sha256 text CHECK (document_sha256 ~ '^[0-9a-f]{64}$')`);
    // Signer e-mail → the platform's signing link, as the platform returned it when the envelope was created.
    await db.query(`ALTER TABLE contracts ADD COLUMN signing_urls jsonb NOT NULL DEFAULT '{}'`);
    await db.query(`ALTER TABLE contracts ADD COLUMN void_requested_at timestamptz`);
  }

  async down(db: QueryRunner): Promise<void> {
    for (const column of ['void_requested_at', 'signing_urls', 'document_sha256', 'document_filename']) {
      await db.query(`ALTER TABLE contracts DROP COLUMN ${column}`);
    }
  }
}
