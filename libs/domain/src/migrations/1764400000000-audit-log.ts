import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The hash-chained audit log (libs/archive/src/audit-log) and the personal data its entries point to. Personal
 * data lives outside the chain so erasing it (retention, GDPR art. 17) never breaks a hash.
 */
export class AuditLog1764400000000 implements MigrationInterface {
  name = 'AuditLog1764400000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE audit_log (
        seq bigint PRIMARY KEY CHECK (seq > 0),
        at timestamptz NOT NULL,
        actor text NOT NULL,
        action text NOT NULL,
        subject text NOT NULL,
        data jsonb NOT NULL,
        prev_hash text NOT NULL CHECK (prev_hash ~ '^[0-9a-f]{64}$'),
        hash text NOT NULL UNIQUE CHECK (hash ~ '^[0-9a-f]{64}$')
      )`);
    await db.query(`CREATE INDEX audit_log_subject_idx ON audit_log (subject, seq)`);

    await db.query(`
      CREATE TABLE audit_personal_data (
        id uuid PRIMARY KEY,
        subject text NOT NULL,
        data jsonb NOT NULL,
        salt text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        erase_after timestamptz
      )`);
    await db.query(
      `CREATE INDEX audit_personal_data_erase_idx ON audit_personal_data (erase_after) WHERE erase_after IS NOT NULL`,
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE IF EXISTS audit_personal_data`);
    await db.query(`DROP TABLE IF EXISTS audit_log`);
  }
}
