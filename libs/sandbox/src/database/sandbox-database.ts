import { preparingClient } from '@app/common';
import { Pool, type PoolClient, type QueryResultRow } from 'pg';

/** What a query runs on: the pool, or one transaction's connection. */
export interface SandboxQueryable {
  query<T extends QueryResultRow = QueryResultRow>(sql: string, params?: unknown[]): Promise<T[]>;
}

export interface SandboxMigration {
  /** Never renamed once shipped: applied ids are recorded in `sandbox_migrations`. */
  id: string;
  statements: readonly string[];
}

/**
 * The sandbox's PostgreSQL access: plain `pg`, every table in its own schema (the search path is set per
 * connection), transactions through `transaction()`.
 */
export class SandboxDatabase implements SandboxQueryable {
  private constructor(
    private readonly pool: Pool,
    readonly schema: string,
  ) {}

  static connect(url: string, schema: string, poolSize: number): SandboxDatabase {
    // Named prepared statements, as SignBridge's own pool: the benchmarks run both on one machine.
    const pool = new Pool({
      connectionString: url,
      max: poolSize,
      // Names its connections in pg_stat_activity (SignBridge's are `signbridge`); the benchmark splits CPU by it.
      application_name: 'signbridge-sandbox',
      options: `-c search_path=${schema}`,
      Client: preparingClient(),
    });
    // An idle client losing its server is reported here; without a listener it would crash the process.
    pool.on('error', () => undefined);
    return new SandboxDatabase(pool, schema);
  }

  async query<T extends QueryResultRow = QueryResultRow>(sql: string, params: unknown[] = []): Promise<T[]> {
    return (await this.pool.query<T>(sql, params)).rows;
  }

  async transaction<T>(work: (tx: SandboxQueryable) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await work(wrap(client));
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  /** Applies the migrations not yet applied, in order, under an advisory lock so two processes never race. */
  async migrate(migrations: readonly SandboxMigration[]): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query(`SELECT pg_advisory_lock(hashtext('signbridge-sandbox-migrations'))`);
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${this.schema}`);
      await client.query(
        `CREATE TABLE IF NOT EXISTS sandbox_migrations (id text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`,
      );
      const applied = new Set(
        (await client.query<{ id: string }>('SELECT id FROM sandbox_migrations')).rows.map((r) => r.id),
      );
      for (const migration of migrations) {
        if (applied.has(migration.id)) continue;
        await client.query('BEGIN');
        try {
          for (const statement of migration.statements) await client.query(statement);
          await client.query('INSERT INTO sandbox_migrations (id) VALUES ($1)', [migration.id]);
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw new Error(`Sandbox migration ${migration.id} failed: ${(error as Error).message}`, { cause: error });
        }
      }
    } finally {
      await client.query(`SELECT pg_advisory_unlock(hashtext('signbridge-sandbox-migrations'))`).catch(() => undefined);
      client.release();
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

function wrap(client: PoolClient): SandboxQueryable {
  return {
    query: async <T extends QueryResultRow>(sql: string, params: unknown[] = []) =>
      (await client.query<T>(sql, params)).rows,
  };
}
