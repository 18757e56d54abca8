import type { SandboxMigration } from '../database/sandbox-database';

/** Envelopes, signers, one-time codes, documents, mailbox, audit events and idempotency keys. */
export const ENVELOPE_MIGRATIONS: readonly SandboxMigration[] = [
  {
    id: '0001-envelopes',
    statements: [
      `CREATE TABLE envelopes (
        id text PRIMARY KEY,
        title text NOT NULL,
        status text NOT NULL CHECK (status IN ('sent', 'completed', 'declined', 'voided', 'expired')),
        signature_level text NOT NULL CHECK (signature_level IN ('simple', 'advanced', 'qualified')),
        webhook_url text NOT NULL,
        metadata jsonb NOT NULL DEFAULT '{}',
        document_filename text NOT NULL,
        expires_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL,
        completed_at timestamptz,
        declined_at timestamptz,
        voided_at timestamptz,
        expired_at timestamptz,
        void_reason text,
        decline_reason text
      )`,
      // The expiry sweep only ever looks at envelopes still out for signature.
      `CREATE INDEX envelopes_sent_expiry ON envelopes (expires_at) WHERE status = 'sent'`,
      `CREATE TABLE signers (
        id text PRIMARY KEY,
        envelope_id text NOT NULL REFERENCES envelopes (id),
        position integer NOT NULL,
        name text NOT NULL,
        email text NOT NULL CHECK (email = lower(email)),
        phone text,
        token text NOT NULL UNIQUE,
        status text NOT NULL
          CHECK (status IN ('pending', 'delivered', 'bounced', 'opened', 'signed', 'declined', 'locked')),
        opened_at timestamptz,
        signed_at timestamptz,
        declined_at timestamptz,
        ip text,
        user_agent text,
        auth_method text CHECK (auth_method IN ('email_link', 'email_otp', 'qualified_certificate')),
        signature_level text CHECK (signature_level IN ('simple', 'advanced', 'qualified')),
        otp_verified boolean NOT NULL DEFAULT false,
        consent_at timestamptz,
        certificate text,
        otp_failures integer NOT NULL DEFAULT 0,
        UNIQUE (envelope_id, position),
        UNIQUE (envelope_id, email)
      )`,
      `CREATE TABLE otp_codes (
        id bigserial PRIMARY KEY,
        signer_id text NOT NULL REFERENCES signers (id),
        code_hash text NOT NULL,
        expires_at timestamptz NOT NULL,
        used_at timestamptz,
        created_at timestamptz NOT NULL
      )`,
      `CREATE INDEX otp_codes_signer ON otp_codes (signer_id, created_at DESC)`,
      `CREATE TABLE documents (
        envelope_id text NOT NULL REFERENCES envelopes (id),
        kind text NOT NULL CHECK (kind IN ('original', 'signed', 'audit_trail', 'evidence')),
        media_type text NOT NULL,
        bytes bytea NOT NULL,
        sha256 text NOT NULL,
        size_bytes integer NOT NULL,
        created_at timestamptz NOT NULL,
        PRIMARY KEY (envelope_id, kind)
      )`,
      `CREATE TABLE mailbox (
        seq bigserial PRIMARY KEY,
        id text NOT NULL UNIQUE,
        to_address text NOT NULL,
        subject text NOT NULL,
        text text NOT NULL,
        code text,
        kind text NOT NULL CHECK (kind IN ('invitation', 'otp', 'reminder', 'completed')),
        envelope_id text REFERENCES envelopes (id),
        created_at timestamptz NOT NULL
      )`,
      `CREATE INDEX mailbox_to ON mailbox (to_address, seq DESC)`,
      `CREATE TABLE audit_events (
        seq bigserial PRIMARY KEY,
        envelope_id text NOT NULL REFERENCES envelopes (id),
        at timestamptz NOT NULL,
        type text NOT NULL,
        signer_id text REFERENCES signers (id),
        ip text,
        user_agent text,
        detail jsonb NOT NULL DEFAULT '{}'
      )`,
      `CREATE INDEX audit_events_envelope ON audit_events (envelope_id, seq)`,
      // No foreign key to envelopes: the key is claimed first in the create transaction, before the envelope row.
      `CREATE TABLE idempotency_keys (
        key text PRIMARY KEY,
        request_hash text NOT NULL,
        envelope_id text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`,
    ],
  },
  {
    id: '0002-documents-uncompressed',
    statements: [
      // PDFs are flate-compressed inside already: PostgreSQL's own compression only spent CPU failing to shrink them.
      `ALTER TABLE documents ALTER COLUMN bytes SET STORAGE EXTERNAL`,
    ],
  },
];
