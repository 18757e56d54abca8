import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `/metrics` counts what staff act on (README "Watching it run") at every scrape. Each count below has a partial
 * index over just those rows, which stay few while things are well, so a scrape never reads a whole table. None is
 * on `contracts`: an index predicate on its `status` would make every lifecycle UPDATE a non-HOT one.
 */
export class OperationsIndexes1765300000001 implements MigrationInterface {
  name = 'OperationsIndexes1765300000001';

  async up(db: QueryRunner): Promise<void> {
    await db.query(
      `CREATE INDEX inbound_events_attention_idx ON inbound_events (received_at) WHERE status IN ('failed', 'parked')`,
    );
    await db.query(`CREATE INDEX webhook_deliveries_dead_idx ON webhook_deliveries (created_at) WHERE status = 'dead'`);
    await db.query(
      `CREATE INDEX provisioning_orders_failed_idx ON provisioning_orders (created_at) WHERE status = 'failed'`,
    );
    await db.query(`CREATE INDEX invoices_unsent_idx ON invoices (created_at) WHERE status = 'issued'`);
  }

  async down(db: QueryRunner): Promise<void> {
    for (const index of [
      'invoices_unsent_idx',
      'provisioning_orders_failed_idx',
      'webhook_deliveries_dead_idx',
      'inbound_events_attention_idx',
    ]) {
      await db.query(`DROP INDEX ${index}`);
    }
  }
}
