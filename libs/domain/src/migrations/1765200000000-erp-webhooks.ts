import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The ERP's webhook endpoints and the deliveries of domain events to them (invariant 7).
 *
 * - `webhook_endpoints`: where to POST, which event types (`*`: all), the HMAC secret (kept in clear: SignBridge signs
 *   with it) and, during a rotation, the previous one until `previous_secret_expires_at`. `request_key` as on
 *   customers: the digest of the Idempotency-Key that created it.
 * - `webhook_deliveries`: one row per (endpoint, event), the unique key that makes a second fan-out of an event a
 *   no-op. `next_attempt_at` as on provisioning runs: when a pending delivery is due, or when a running one's claim
 *   lapses. `dead`: its retries ran out (or the endpoint answered 410 Gone); kept until replayed.
 * - `outbox.erp_fanout_at`: when the event was fanned out into deliveries. Rows already there are given a value
 *   through a default dropped at once (no table rewrite), so only events from now on are fanned out: no endpoint
 *   existed before them.
 */
export class ErpWebhooks1765200000000 implements MigrationInterface {
  name = 'ErpWebhooks1765200000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE webhook_endpoints (
        id uuid PRIMARY KEY,
        url text NOT NULL,
        description text,
        event_types text[] NOT NULL CHECK (cardinality(event_types) > 0),
        secret text NOT NULL,
        previous_secret text,
        previous_secret_expires_at timestamptz,
        status text NOT NULL CHECK (status IN ('enabled', 'disabled')),
        disabled_reason text,
        request_key text,
        created_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`CREATE INDEX webhook_endpoints_created_idx ON webhook_endpoints (created_at, id)`);
    await db.query(
      `CREATE UNIQUE INDEX webhook_endpoints_request_key ON webhook_endpoints (request_key) WHERE request_key IS NOT NULL`,
    );
    await db.query(`
      CREATE TABLE webhook_deliveries (
        id uuid PRIMARY KEY,
        endpoint_id uuid NOT NULL REFERENCES webhook_endpoints (id),
        event_id uuid NOT NULL REFERENCES outbox (id),
        status text NOT NULL CHECK (status IN ('pending', 'running', 'delivered', 'dead')),
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz,
        last_status_code integer,
        last_error text,
        last_response text,
        delivered_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (endpoint_id, event_id)
      )`);
    await db.query(`CREATE INDEX webhook_deliveries_created_idx ON webhook_deliveries (created_at, id)`);
    await db.query(
      `CREATE INDEX webhook_deliveries_endpoint_idx ON webhook_deliveries (endpoint_id, status, created_at)`,
    );
    // The sweeper's question: which unfinished deliveries are past their time?
    await db.query(
      `CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at)
        WHERE status IN ('pending', 'running')`,
    );
    await db.query(`ALTER TABLE outbox ADD COLUMN erp_fanout_at timestamptz DEFAULT '-infinity'`);
    await db.query(`ALTER TABLE outbox ALTER COLUMN erp_fanout_at DROP DEFAULT`);
    await db.query(`CREATE INDEX outbox_erp_fanout_idx ON outbox (created_at, id) WHERE erp_fanout_at IS NULL`);
    await db.query(`GRANT SELECT, INSERT, UPDATE ON webhook_endpoints, webhook_deliveries TO signbridge_app`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX outbox_erp_fanout_idx`);
    await db.query(`ALTER TABLE outbox DROP COLUMN erp_fanout_at`);
    await db.query(`DROP TABLE webhook_deliveries`);
    await db.query(`DROP TABLE webhook_endpoints`);
  }
}
