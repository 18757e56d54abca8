import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { assertTestDatabase, TEST_DATABASE_URL } from './test-env';

const ROOT = join(__dirname, '..', '..');
const MIGRATE_CLI = join(ROOT, 'dist/libs/common/src/database/migrate.cli.js');

/**
 * Creates the test database if needed and applies the migrations with the real migration CLI. The
 * integration and e2e tiers also start built processes (workers), so `npm test` builds first.
 */
export default async function globalSetup(): Promise<void> {
  assertTestDatabase(TEST_DATABASE_URL);
  if (!existsSync(MIGRATE_CLI)) throw new Error(`${MIGRATE_CLI} is missing: run "npm run build" (npm test does)`);
  const name = new URL(TEST_DATABASE_URL).pathname.slice(1);
  const admin = new URL(TEST_DATABASE_URL);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE "${name.replace(/"/g, '')}"`);
  } finally {
    await client.end();
  }
  execFileSync(process.execPath, [MIGRATE_CLI], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: TEST_DATABASE_URL, LOG_LEVEL: 'warn' },
    stdio: 'inherit',
  });
}
