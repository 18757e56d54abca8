import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The contract statuses that still wait for the platform: the reconciler's candidates. */
const OPEN = `('sent', 'delivered', 'delivery_failed', 'opened', 'partially_signed')`;

/**
 * The reconciler (README "The reconciler"): when it last asked the platform about a contract, and when it asks
 * next. `reconcile_due_at` NULL: not asked yet, first asked once the contract has been quiet for RECONCILE_AFTER
 * (from `updated_at`). One partial index per case, each over the contracts still waiting for the platform only.
 */
export class Reconciler1765300000000 implements MigrationInterface {
  name = 'Reconciler1765300000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(
      `ALTER TABLE contracts ADD COLUMN reconciled_at timestamptz, ADD COLUMN reconcile_due_at timestamptz`,
    );
    await db.query(
      `CREATE INDEX contracts_first_reconcile_idx ON contracts (updated_at)
        WHERE status IN ${OPEN} AND reconcile_due_at IS NULL`,
    );
    await db.query(`CREATE INDEX contracts_next_reconcile_idx ON contracts (reconcile_due_at) WHERE status IN ${OPEN}`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX contracts_next_reconcile_idx`);
    await db.query(`DROP INDEX contracts_first_reconcile_idx`);
    await db.query(`ALTER TABLE contracts DROP COLUMN reconcile_due_at, DROP COLUMN reconciled_at`);
  }
}
