import { ENVELOPE_MIGRATIONS } from '../envelopes/envelopes.schema';
import { WEBHOOK_MIGRATIONS } from '../webhooks/webhooks.schema';
import type { SandboxMigration } from './sandbox-database';

/** Every module's migrations, in the order they apply. */
export const SANDBOX_MIGRATIONS: readonly SandboxMigration[] = [...ENVELOPE_MIGRATIONS, ...WEBHOOK_MIGRATIONS];
