import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Logger, type LogLevel as NestLogLevel } from '@nestjs/common';
import { LOG_LEVELS, type AppConfig } from '../config/app-config';
import { runMigrations } from '../database/data-source-options';
import { startEmbeddedPostgres } from '../database/embedded-postgres';

export interface Runtime {
  config: AppConfig;
  databaseUrl: string;
  /** Stops what the runtime started (the embedded database), after the app has closed. */
  stop(): Promise<void>;
}

/**
 * Fills in the embedded defaults before any module is built: the database (embedded PostgreSQL when
 * DATABASE_URL is unset), and the sandbox's webhook secret and API key kept under the data directory when
 * not configured (the sandbox platform reads the same files, so the two are wired without any set-up).
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
    providers: {
      ...config.providers,
      sandbox: {
        ...config.providers.sandbox,
        apiKey:
          config.providers.sandbox.apiKey ?? localSecretFile(config.dataDir, SANDBOX_API_KEY_FILE, newSandboxApiKey),
      },
    },
  };
  const database = await prepareDatabase(config);
  if (config.database.runMigrations) {
    try {
      // As the login user (the owner), before the app's pool connects as DATABASE_APP_ROLE.
      const applied = await runMigrations(database.databaseUrl);
      if (applied.length > 0) new Logger('Database').log(`applied migrations: ${applied.join(', ')}`);
    } catch (error) {
      await database.stop();
      throw error;
    }
  }
  return { config: resolved, ...database };
}

/** DATABASE_URL, or the embedded PostgreSQL started under the data directory. */
export async function prepareDatabase(config: AppConfig): Promise<Omit<Runtime, 'config'>> {
  if (config.database.url) return { databaseUrl: config.database.url, stop: async () => undefined };
  mkdirSync(config.dataDir, { recursive: true });
  const embedded = await startEmbeddedPostgres({ dataDir: config.dataDir, port: config.database.embeddedPort });
  return { databaseUrl: embedded.url, stop: () => embedded.stop() };
}

/**
 * A secret made once per data directory, so a restart keeps accepting what the sandbox signs. The
 * sandbox reads the same file (`localSecretFile`), which is how `npm start` wires the two together.
 */
function localSandboxSecret(dataDir: string): string {
  return localSecretFile(dataDir, SANDBOX_WEBHOOK_SECRET_FILE, () => `whsec_${randomBytes(32).toString('base64')}`);
}

export const SANDBOX_WEBHOOK_SECRET_FILE = 'sandbox-webhook-secret';
export const SANDBOX_API_KEY_FILE = 'sandbox-api-key';

/** The format of a sandbox API key, whichever process (SignBridge or the sandbox) creates the shared file first. */
export function newSandboxApiKey(): string {
  return `sbx_${randomBytes(24).toString('base64url')}`;
}

/**
 * Reads `<dataDir>/<name>`, or creates it with `make()` when missing. Creation is exclusive (`wx`), so two
 * processes starting at once both end up with the one value that won.
 */
export function localSecretFile(dataDir: string, name: string, make: () => string): string {
  const file = join(dataDir, name);
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  try {
    writeFileSync(file, `${make()}\n`, { mode: 0o600, flag: 'wx' });
    new Logger('Config').log(`generated ${file}`);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return readFileSync(file, 'utf8').trim();
}

/** Nest's logger levels for a configured threshold (`warn` logs warnings and errors). */
export function logLevelsFrom(level: AppConfig['logLevel']): NestLogLevel[] {
  return LOG_LEVELS.slice(0, LOG_LEVELS.indexOf(level) + 1) as NestLogLevel[];
}
