import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The reconciler (README "The reconciler"): when it last asked the platform about a contract, and when the contract
 * is next looked at. `reconcile_due_at` is set (to the insert's `now()`) on every new contract; a pass that finds a
 * contract due either schedules its next look, asks the platform, or clears it (NULL) once the contract no longer
 * waits for the platform. The existing contracts still waiting are due at once.
 *
 * The one index is on `reconcile_due_at` alone, never on `status` or `updated_at`: an index (or an index predicate)
 * on a column the lifecycle's UPDATE changes would make every such UPDATE a non-HOT one, writing a new entry in every
 * index of `contracts`.
 */
export class Reconciler1765300000000 implements MigrationInterface {
  name = 'Reconciler1765300000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(
      `ALTER TABLE contracts ADD COLUMN reconciled_at timestamptz, ADD COLUMN reconcile_due_at timestamptz`,
    );
    await db.query(
      `UPDATE contracts SET reconcile_due_at = now()
        WHERE status IN ('sent', 'delivered', 'delivery_failed', 'opened', 'partially_signed')`,
    );
    await db.query(`ALTER TABLE contracts ALTER COLUMN reconcile_due_at SET DEFAULT now()`);
    await db.query(
      `CREATE INDEX contracts_reconcile_due_idx ON contracts (reconcile_due_at) WHERE reconcile_due_at IS NOT NULL`,
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX contracts_reconcile_due_idx`);
    await db.query(`ALTER TABLE contracts DROP COLUMN reconcile_due_at, DROP COLUMN reconciled_at`);
  }
}
