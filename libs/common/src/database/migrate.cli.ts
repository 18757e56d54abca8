import 'reflect-metadata';
import { loadConfigOrExit } from '../bootstrap/process';
import { prepareDatabase } from '../bootstrap/runtime';
import { runMigrations } from './data-source-options';

/** `npm run migration:run`: applies pending migrations to DATABASE_URL (or the embedded database). */
async function main(): Promise<void> {
  const runtime = await prepareDatabase(loadConfigOrExit());
  try {
    const applied = await runMigrations(runtime.databaseUrl);
    process.stdout.write(applied.length === 0 ? 'schema up to date\n' : `applied: ${applied.join(', ')}\n`);
  } finally {
    await runtime.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `migration failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
