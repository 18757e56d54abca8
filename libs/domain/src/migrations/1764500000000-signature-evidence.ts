import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One evidence record per (contract, signer), written when the signed PDF and the platform's evidence are
 * archived. Append-only like the documents it points at: a trigger refuses UPDATE, DELETE and TRUNCATE.
 */
export class SignatureEvidence1764500000000 implements MigrationInterface {
  name = 'SignatureEvidence1764500000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE signature_evidence (
        contract_id uuid NOT NULL REFERENCES contracts (id),
        signer_email text NOT NULL,
        signer_name text NOT NULL,
        signed_at timestamptz NOT NULL,
        ip text,
        user_agent text,
        auth_method text,
        signature_level text CHECK (signature_level IN ('simple', 'advanced', 'qualified')),
        otp_verified boolean,
        document_sha256 text CHECK (document_sha256 ~ '^[0-9a-f]{64}$'),
        signed_document_sha256 text NOT NULL CHECK (signed_document_sha256 ~ '^[0-9a-f]{64}$'),
        evidence_document_sha256 text NOT NULL CHECK (evidence_document_sha256 ~ '^[0-9a-f]{64}$'),
        recorded_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (contract_id, signer_email)
      )`);
    // The immutability migration's refusing trigger function serves this table too.
    await db.query(`
      CREATE TRIGGER signature_evidence_no_change BEFORE UPDATE OR DELETE ON signature_evidence
        FOR EACH ROW EXECUTE FUNCTION signbridge_refuse_change()`);
    await db.query(`
      CREATE TRIGGER signature_evidence_no_truncate BEFORE TRUNCATE ON signature_evidence
        FOR EACH STATEMENT EXECUTE FUNCTION signbridge_refuse_change()`);
    // The app's role (see the immutability migration) may read and add, nothing else.
    await db.query(`REVOKE UPDATE, DELETE, TRUNCATE ON signature_evidence FROM signbridge_app`);
    await db.query(`GRANT SELECT, INSERT ON signature_evidence TO signbridge_app`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE signature_evidence`);
  }
}
