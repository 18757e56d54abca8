import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { assertTestDatabase, TEST_DATABASE_URL } from './test-env';

const ROOT = join(__dirname, '..', '..');
const MIGRATE_CLI = join(ROOT, 'dist/libs/common/src/database/migrate.cli.js');

/** Set once this run has made the database: the integration and e2e projects each call the setup. */
const FRESH = 'SIGNBRIDGE_TEST_DATABASE_FRESH';

/**
 * Makes the test database anew for every run and applies the migrations with the real migration CLI. Anew, because
 * the sweepers of one run would otherwise pick up what an earlier, interrupted run left half done (an event whose
 * subscriber never finished is retried after ten minutes, by design) and, say, number a stray invoice in a series
 * a test counts. The integration and e2e tiers also start built processes (workers), so `npm test` builds first.
 */
export default async function globalSetup(): Promise<void> {
  assertTestDatabase(TEST_DATABASE_URL);
  if (!existsSync(MIGRATE_CLI)) throw new Error(`${MIGRATE_CLI} is missing: run "npm run build" (npm test does)`);
  if (process.env[FRESH] === TEST_DATABASE_URL) return;
  const name = new URL(TEST_DATABASE_URL).pathname.slice(1).replace(/"/g, '');
  const admin = new URL(TEST_DATABASE_URL);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
  execFileSync(process.execPath, [MIGRATE_CLI], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: TEST_DATABASE_URL, LOG_LEVEL: 'warn' },
    stdio: 'inherit',
  });
  process.env[FRESH] = TEST_DATABASE_URL;
}
