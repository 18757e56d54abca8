import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Provisioning runs: one row per (contract, action, kind). The unique key is what makes a second activation, a
 * duplicate event or a second void a no-op, and (with the conditional claim) invariant 4: at most one run per
 * (contract, action) ever succeeds. `next_attempt_at` is when a pending run is due, or, while running, when its
 * claim lapses (the sweeper takes over runs left behind by a crash past that time).
 */
export class Provisioning1764700000001 implements MigrationInterface {
  name = 'Provisioning1764700000001';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE provisioning_orders (
        id uuid PRIMARY KEY,
        contract_id uuid NOT NULL REFERENCES contracts (id),
        customer_id uuid NOT NULL REFERENCES customers (id),
        action text NOT NULL,
        kind text NOT NULL CHECK (kind IN ('provision', 'reverse')),
        params jsonb NOT NULL DEFAULT '{}',
        status text NOT NULL CHECK (status IN ('pending', 'running', 'succeeded', 'failed')),
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz,
        last_status_code integer,
        last_error text,
        response jsonb,
        result_ref text,
        created_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
        updated_at timestamptz NOT NULL DEFAULT now(),
        completed_at timestamptz,
        UNIQUE (contract_id, action, kind)
      )`);
    await db.query(`CREATE INDEX provisioning_orders_created_idx ON provisioning_orders (created_at, id)`);
    // The sweeper's question: which unfinished runs are past their time?
    await db.query(
      `CREATE INDEX provisioning_orders_due_idx ON provisioning_orders (next_attempt_at)
        WHERE status IN ('pending', 'running')`,
    );
    await db.query(`GRANT SELECT, INSERT, UPDATE ON provisioning_orders TO signbridge_app`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE provisioning_orders`);
  }
}
