import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Archived documents (the signed PDF, the evidence, the original): which bytes, by SHA-256 and storage key.
 * Append-only (ARCHITECTURE.md §8.6): a trigger refuses UPDATE, DELETE and TRUNCATE, so a record, once
 * written, keeps pointing at the same bytes. One row per (contract, kind): archiving twice records nothing twice.
 */
export class Documents1764400000001 implements MigrationInterface {
  name = 'Documents1764400000001';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE documents (
        id uuid PRIMARY KEY,
        contract_id uuid NOT NULL REFERENCES contracts (id),
        kind text NOT NULL CHECK (kind IN ('original', 'signed', 'evidence')),
        media_type text NOT NULL CHECK (media_type ~ '^[a-z0-9!#$&^_.+-]+/[a-z0-9!#$&^_.+-]+$'),
        size_bytes bigint NOT NULL CHECK (size_bytes >= 0),
        sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
        storage_key text NOT NULL,
        provider text NOT NULL,
        provider_reference text NOT NULL,
        stated_sha256 text CHECK (stated_sha256 ~ '^[0-9a-f]{64}$'),
        stored_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (contract_id, kind)
      )`);
    await db.query(`
      CREATE FUNCTION documents_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'documents is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
      END
      $$`);
    await db.query(`
      CREATE TRIGGER documents_append_only BEFORE UPDATE OR DELETE ON documents
      FOR EACH ROW EXECUTE FUNCTION documents_refuse_change()`);
    await db.query(`
      CREATE TRIGGER documents_no_truncate BEFORE TRUNCATE ON documents
      FOR EACH STATEMENT EXECUTE FUNCTION documents_refuse_change()`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE documents`);
    await db.query(`DROP FUNCTION documents_refuse_change()`);
  }
}
