import { ENTITIES, MIGRATIONS } from '@app/domain';
import type { DataSourceOptions } from 'typeorm';
import { DataSource } from 'typeorm';
import { preparingClient } from './prepared-statements';

export interface ConnectionOptions {
  /**
   * Every connection of the pool acts as this role from its first statement (`-c role=...` in the startup
   * packet, the same as `SET ROLE`): the app's DataSource only, never the migrations', which need the owner.
   */
  role?: string;
  /**
   * Run parameterised statements as named prepared statements (`preparingClient`): the app's long-lived pool
   * only. Off for the migrations' connection, whose DDL would change what a statement prepared earlier returns.
   */
  preparedStatements?: boolean;
  /** `idle_in_transaction_session_timeout` for the pool's sessions (AppConfig.database); undefined: the server's. */
  idleInTransactionTimeoutMs?: number;
}

/** One definition of the connection, shared by the apps, the migration CLI (ormconfig.ts) and the tests. */
export function buildDataSourceOptions(url: string, poolSize = 20, options: ConnectionOptions = {}): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'schema_migrations',
    // Never: the schema only changes through reviewed migrations.
    synchronize: false,
    migrationsRun: false,
    // Off: failed queries would be logged with their parameters (raw webhook bodies, personal data).
    logging: false,
    extra: {
      max: poolSize,
      connectionTimeoutMillis: 5_000,
      idleTimeoutMillis: 30_000,
      application_name: 'signbridge',
      ...startupOptions(options),
      ...(options.preparedStatements ? { Client: preparingClient() } : {}),
    },
  };
}

/**
 * Applies pending migrations on a short-lived connection of the login user (the tables' owner), before the
 * app opens its own pool as the application role. Returns the names of the migrations applied.
 */
export async function runMigrations(url: string): Promise<string[]> {
  const dataSource = new DataSource(buildDataSourceOptions(url, 2));
  try {
    await dataSource.initialize();
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((m) => m.name);
  } finally {
    if (dataSource.isInitialized) await dataSource.destroy();
  }
}

/** Settings sent in each connection's startup packet (`-c name=value`), so they hold from its first statement. */
function startupOptions(options: ConnectionOptions): { options?: string } {
  const settings = [
    ...(options.role ? [`-c role=${options.role}`] : []),
    ...(options.idleInTransactionTimeoutMs !== undefined
      ? [`-c idle_in_transaction_session_timeout=${options.idleInTransactionTimeoutMs}`]
      : []),
  ];
  return settings.length > 0 ? { options: settings.join(' ') } : {};
}
