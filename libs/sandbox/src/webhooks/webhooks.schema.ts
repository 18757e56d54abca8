import type { SandboxMigration } from '../database/sandbox-database';

/** Webhook messages and their delivery attempts. Unqualified names: the search path is the sandbox schema. */
export const WEBHOOK_MIGRATIONS: readonly SandboxMigration[] = [
  {
    id: 'webhooks-001-messages-and-attempts',
    statements: [
      `CREATE TABLE webhook_messages (
        id text PRIMARY KEY,
        envelope_id text NOT NULL,
        url text NOT NULL,
        type text NOT NULL,
        -- The exact bytes sent (and signed), built once at enqueue so every attempt carries the same body.
        body text NOT NULL,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
        attempts integer NOT NULL DEFAULT 0,
        -- attempts at the last manual retry: the retry schedule restarts from there.
        retry_base integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        -- A lease, not a lock: a process that dies holding it only delays the message until it expires.
        locked_until timestamptz,
        lease_token text,
        created_at timestamptz NOT NULL DEFAULT now(),
        delivered_at timestamptz,
        last_error text,
        seq bigserial NOT NULL UNIQUE
      )`,
      // The dispatcher's poll reads only pending rows in due order; a partial index keeps delivered ones out.
      `CREATE INDEX webhook_messages_due_idx ON webhook_messages (next_attempt_at, seq) WHERE status = 'pending'`,
      `CREATE INDEX webhook_messages_envelope_idx ON webhook_messages (envelope_id, seq DESC)`,
      `CREATE INDEX webhook_messages_status_idx ON webhook_messages (status, seq DESC)`,
      `CREATE TABLE webhook_attempts (
        id bigserial PRIMARY KEY,
        message_id text NOT NULL REFERENCES webhook_messages (id) ON DELETE CASCADE,
        attempt integer NOT NULL,
        started_at timestamptz NOT NULL,
        duration_ms integer NOT NULL,
        outcome text NOT NULL CHECK (outcome IN ('delivered', 'http_error', 'timeout', 'network_error', 'dropped')),
        status_code integer,
        response text,
        error text,
        duplicate boolean NOT NULL DEFAULT false
      )`,
      `CREATE INDEX webhook_attempts_message_idx ON webhook_attempts (message_id, attempt, id)`,
    ],
  },
];
