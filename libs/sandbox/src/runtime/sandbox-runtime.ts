import { randomBytes } from 'node:crypto';
import {
  localSecretFile,
  SANDBOX_API_KEY_FILE,
  SANDBOX_WEBHOOK_SECRET_FILE,
  startEmbeddedPostgres,
  type EmbeddedDatabase,
} from '@app/common';
import type { SandboxConfig } from '../config/sandbox-config';
import { SandboxDatabase } from '../database/sandbox-database';
import { SANDBOX_MIGRATIONS } from '../database/sandbox-migrations';
import type { SandboxRuntime } from '../sandbox-core.module';

export interface PreparedSandboxRuntime extends SandboxRuntime {
  /** Closes the pool and stops the embedded PostgreSQL, if one was started; after the app has closed. */
  stop(): Promise<void>;
}

/**
 * Everything the platform needs before its modules are built: the database (SANDBOX_DATABASE_URL or an
 * embedded PostgreSQL under the data directory), migrated; the API key and the webhook secret, configured
 * or kept in files under the data directory, where SignBridge reads the same values.
 */
export async function prepareSandboxRuntime(config: SandboxConfig): Promise<PreparedSandboxRuntime> {
  let embedded: EmbeddedDatabase | undefined;
  let url = config.database.url;
  if (url === undefined) {
    embedded = await startEmbeddedPostgres({
      dataDir: config.dataDir,
      port: config.database.embeddedPort,
      directory: 'sandbox-postgres',
      database: 'sandbox',
      portVariable: 'SANDBOX_EMBEDDED_PG_PORT',
    });
    url = embedded.url;
  }
  const database = SandboxDatabase.connect(url, config.database.schema, config.database.poolSize);
  const stop = async () => {
    await database.close();
    await embedded?.stop();
  };
  try {
    await database.migrate(SANDBOX_MIGRATIONS);
    const apiKey =
      config.apiKey ??
      localSecretFile(config.dataDir, SANDBOX_API_KEY_FILE, () => `sbx_${randomBytes(32).toString('base64url')}`);
    const webhookSecret =
      config.webhookSecret ??
      localSecretFile(config.dataDir, SANDBOX_WEBHOOK_SECRET_FILE, () => `whsec_${randomBytes(32).toString('base64')}`);
    return { config, database, apiKey, webhookSecret, stop };
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
}
