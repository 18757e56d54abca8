import type { SandboxMigration } from '../database/sandbox-database';

/** Webhook messages and their delivery attempts. (Filled in by the webhooks module.) */
export const WEBHOOK_MIGRATIONS: readonly SandboxMigration[] = [];
