import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Logger, type LogLevel as NestLogLevel } from '@nestjs/common';
import { LOG_LEVELS, type AppConfig } from '../config/app-config';
import { startEmbeddedPostgres } from '../database/embedded-postgres';

export interface Runtime {
  config: AppConfig;
  databaseUrl: string;
  /** Stops what the runtime started (the embedded database), after the app has closed. */
  stop(): Promise<void>;
}

/**
 * Fills in the embedded defaults before any module is built: the database (embedded PostgreSQL when
 * DATABASE_URL is unset) and a sandbox webhook secret kept under the data directory when none is configured.
 */
export async function prepareRuntime(config: AppConfig): Promise<Runtime> {
  const resolved: AppConfig = {
    ...config,
    webhooks: {
      ...config.webhooks,
      sandboxSecrets:
        config.webhooks.sandboxSecrets.length > 0
          ? config.webhooks.sandboxSecrets
          : [localSandboxSecret(config.dataDir)],
    },
  };
  const database = await prepareDatabase(config);
  return { config: resolved, ...database };
}

/** DATABASE_URL, or the embedded PostgreSQL started under the data directory. */
export async function prepareDatabase(config: AppConfig): Promise<Omit<Runtime, 'config'>> {
  if (config.database.url) return { databaseUrl: config.database.url, stop: async () => undefined };
  mkdirSync(config.dataDir, { recursive: true });
  const embedded = await startEmbeddedPostgres(config.dataDir, config.database.embeddedPort);
  return { databaseUrl: embedded.url, stop: () => embedded.stop() };
}

/** A secret made once per data directory, so a restart keeps accepting what the sandbox signs. */
function localSandboxSecret(dataDir: string): string {
  const file = join(dataDir, 'sandbox-webhook-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = `whsec_${randomBytes(32).toString('base64')}`;
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  new Logger('Config').log(`SANDBOX_WEBHOOK_SECRETS unset: generated one in ${file}`);
  return secret;
}

/** Nest's logger levels for a configured threshold (`warn` logs warnings and errors). */
export function logLevelsFrom(level: AppConfig['logLevel']): NestLogLevel[] {
  return LOG_LEVELS.slice(0, LOG_LEVELS.indexOf(level) + 1) as NestLogLevel[];
}
