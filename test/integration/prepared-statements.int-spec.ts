import { DataSource } from 'typeorm';
import { buildDataSourceOptions } from '@app/common';
import { TEST_DATABASE_URL } from '../support/test-env';

/** The app's pool runs parameterised statements as named prepared statements (README, "Speed"). */
describe('prepared statements on the app pool (real PostgreSQL)', () => {
  let db: DataSource;

  beforeAll(async () => {
    // One connection, so every query below lands on the session whose prepared statements are listed.
    db = await new DataSource(buildDataSourceOptions(TEST_DATABASE_URL, 1, { preparedStatements: true })).initialize();
  });

  afterAll(async () => {
    await db.destroy();
  });

  const prepared = async (): Promise<string[]> =>
    (await db.query(`SELECT statement FROM pg_prepared_statements ORDER BY prepare_time`)).map(
      (r: { statement: string }) => r.statement,
    );

  it('prepares a parameterised statement once and then reuses it', async () => {
    const text = `SELECT $1::int + 1 AS n /* reuse */`;
    expect(await db.query(text, [1])).toEqual([{ n: 2 }]);
    expect(await db.query(text, [41])).toEqual([{ n: 42 }]);
    expect((await prepared()).filter((s) => s === text)).toHaveLength(1);
  });

  it('leaves statements without parameters unprepared', async () => {
    const text = `SELECT 7 AS n /* plain */`;
    expect(await db.query(text)).toEqual([{ n: 7 }]);
    expect(await prepared()).not.toContain(text);
  });

  it('keeps working after a statement fails to parse, and after one fails while it runs', async () => {
    await expect(db.query(`SELEC $1::int /* typo */`, [1])).rejects.toThrow(/syntax error/);
    const divide = `SELECT 10 / $1::int AS n /* divide */`;
    await expect(db.query(divide, [0])).rejects.toThrow(/division by zero/);
    expect(await db.query(divide, [5])).toEqual([{ n: 2 }]);
    // Inside a transaction that fails and rolls back, too: the statement outlives the transaction.
    await expect(
      db.transaction(async (em) => {
        await em.query(divide, [0]);
      }),
    ).rejects.toThrow(/division by zero/);
    expect(await db.transaction((em) => em.query(divide, [2]))).toEqual([{ n: 5 }]);
  });
});

describe('prepared statements switched off (DB_PREPARED_STATEMENTS=false)', () => {
  it('runs parameterised statements unnamed, as for a pooler that cannot keep them', async () => {
    const db = await new DataSource(
      buildDataSourceOptions(TEST_DATABASE_URL, 1, { preparedStatements: false }),
    ).initialize();
    try {
      const text = `SELECT $1::int * 2 AS n /* unprepared */`;
      expect(await db.query(text, [21])).toEqual([{ n: 42 }]);
      expect(await db.query(text, [4])).toEqual([{ n: 8 }]);
      expect(await db.query(`SELECT count(*)::int AS n FROM pg_prepared_statements`)).toEqual([{ n: 0 }]);
    } finally {
      await db.destroy();
    }
  });
});
