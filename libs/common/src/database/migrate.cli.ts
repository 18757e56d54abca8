import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadConfigOrExit } from '../bootstrap/process';
import { prepareDatabase } from '../bootstrap/runtime';
import { buildDataSourceOptions } from './data-source-options';

/** `npm run migration:run`: applies pending migrations to DATABASE_URL (or the embedded database). */
async function main(): Promise<void> {
  const runtime = await prepareDatabase(loadConfigOrExit());
  const dataSource = new DataSource(buildDataSourceOptions(runtime.databaseUrl, 2));
  try {
    await dataSource.initialize();
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    process.stdout.write(
      applied.length === 0 ? 'schema up to date\n' : `applied: ${applied.map((m) => m.name).join(', ')}\n`,
    );
  } finally {
    if (dataSource.isInitialized) await dataSource.destroy();
    await runtime.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `migration failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
