import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { buildDataSourceOptions, runMigrations } from '@app/common';
import { TEST_DATABASE_URL } from './test-env';

/** A connection of the test's own, to look at (or tamper with) what the app wrote. */
export function connectTestDatabase(poolSize = 2): Promise<DataSource> {
  return new DataSource(buildDataSourceOptions(TEST_DATABASE_URL, poolSize)).initialize();
}

export interface OwnDatabase {
  url: string;
  /** The owner's connection (not the app role): to look at, or tamper with, what the app wrote. */
  owner: DataSource;
  drop(): Promise<void>;
}

/**
 * A fresh, migrated database for one test file, for what must not touch the shared test database: tampering
 * as the owner, or a sweep eager enough to pick up other files' events. `drop()` removes it.
 */
export async function createOwnDatabase(label: string): Promise<OwnDatabase> {
  const name = `signbridge_${label}_${randomBytes(4).toString('hex')}_test`;
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${name}`;
  await asAdmin(`CREATE DATABASE "${name}"`);
  await runMigrations(url.toString());
  const owner = await new DataSource(buildDataSourceOptions(url.toString(), 2)).initialize();
  return {
    url: url.toString(),
    owner,
    drop: async () => {
      await owner.destroy();
      await asAdmin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    },
  };
}

async function asAdmin(sql: string): Promise<void> {
  const admin = new Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}
