import type { SandboxMigration } from '../database/sandbox-database';

/** Envelopes, signers, documents, mailbox, audit events. (Filled in by the envelopes module.) */
export const ENVELOPE_MIGRATIONS: readonly SandboxMigration[] = [];
