import type { MigrationInterface, QueryRunner } from 'typeorm';

export class InitialSchema1764200000000 implements MigrationInterface {
  name = 'InitialSchema1764200000000';

  // Listed timestamps are kept to the millisecond so a JavaScript Date round-trips exactly in page cursors.
  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE customers (
        id uuid PRIMARY KEY,
        external_ref text NOT NULL UNIQUE,
        name text NOT NULL,
        email text NOT NULL,
        tax_id text,
        address jsonb,
        status text NOT NULL CHECK (status IN ('pending', 'active')),
        activated_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`CREATE INDEX customers_created_idx ON customers (created_at, id)`);

    await db.query(`
      CREATE TABLE contracts (
        id uuid PRIMARY KEY,
        customer_id uuid NOT NULL REFERENCES customers (id),
        provider text NOT NULL,
        envelope_id text NOT NULL,
        title text,
        currency text NOT NULL,
        amount_cents bigint NOT NULL CHECK (amount_cents >= 0),
        required_level text NOT NULL CHECK (required_level IN ('simple', 'advanced', 'qualified')),
        status text NOT NULL,
        lifecycle jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (provider, envelope_id)
      )`);
    await db.query(`CREATE INDEX contracts_customer_idx ON contracts (customer_id)`);
    await db.query(`CREATE INDEX contracts_created_idx ON contracts (created_at, id)`);

    await db.query(`
      CREATE TABLE contract_timeline (
        id uuid PRIMARY KEY,
        contract_id uuid NOT NULL REFERENCES contracts (id),
        event_key text NOT NULL,
        kind text NOT NULL,
        type text NOT NULL,
        outcome text NOT NULL,
        anomaly text,
        status_before text,
        status_after text NOT NULL,
        occurred_at timestamptz NOT NULL,
        recorded_at timestamptz NOT NULL DEFAULT now(),
        inbound_event_id uuid,
        detail jsonb NOT NULL DEFAULT '{}',
        UNIQUE (contract_id, event_key)
      )`);

    await db.query(`
      CREATE TABLE inbound_events (
        id uuid PRIMARY KEY,
        provider text NOT NULL,
        provider_event_id text NOT NULL,
        provider_type text NOT NULL,
        envelope_id text,
        headers jsonb NOT NULL,
        raw_body bytea NOT NULL,
        status text NOT NULL CHECK (status IN ('received', 'processed', 'parked', 'ignored', 'failed')),
        attempts int NOT NULL DEFAULT 0,
        last_error text,
        received_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
        processed_at timestamptz,
        UNIQUE (provider, provider_event_id)
      )`);
    // The sweeper looks for rows a crash left in `received`; parked rows are found by envelope on registration.
    await db.query(`CREATE INDEX inbound_events_pending_idx ON inbound_events (received_at) WHERE status = 'received'`);
    await db.query(`CREATE INDEX inbound_events_envelope_idx ON inbound_events (provider, envelope_id, status)`);
    await db.query(`CREATE INDEX inbound_events_listing_idx ON inbound_events (received_at, id)`);

    await db.query(`
      CREATE TABLE outbox (
        id uuid PRIMARY KEY,
        type text NOT NULL,
        aggregate_type text NOT NULL,
        aggregate_id uuid NOT NULL,
        payload jsonb NOT NULL,
        correlation_id text NOT NULL,
        causation_id text NOT NULL,
        occurred_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        dispatched_at timestamptz
      )`);
    await db.query(`CREATE INDEX outbox_undispatched_idx ON outbox (created_at) WHERE dispatched_at IS NULL`);
    await db.query(`CREATE INDEX outbox_aggregate_idx ON outbox (aggregate_id, created_at)`);

    // One row per (domain event, subscriber) that ran: what makes a redelivered job a no-op.
    await db.query(`
      CREATE TABLE subscriber_receipts (
        event_id uuid NOT NULL,
        subscriber text NOT NULL,
        outcome text NOT NULL,
        processed_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (event_id, subscriber)
      )`);

    await db.query(`
      CREATE TABLE api_keys (
        id uuid PRIMARY KEY,
        name text NOT NULL,
        prefix text NOT NULL,
        key_hash text NOT NULL UNIQUE,
        scopes text[] NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        revoked_at timestamptz
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    for (const table of [
      'api_keys',
      'subscriber_receipts',
      'outbox',
      'inbound_events',
      'contract_timeline',
      'contracts',
      'customers',
    ]) {
      await db.query(`DROP TABLE IF EXISTS ${table}`);
    }
  }
}
