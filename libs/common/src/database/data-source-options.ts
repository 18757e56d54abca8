import { ENTITIES, MIGRATIONS } from '@app/domain';
import type { DataSourceOptions } from 'typeorm';

/** One definition of the connection, shared by the apps, the migration CLI (ormconfig.ts) and the tests. */
export function buildDataSourceOptions(url: string, poolSize = 20): DataSourceOptions {
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
    },
  };
}
