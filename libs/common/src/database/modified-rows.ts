/** Anything TypeORM can run raw SQL on: a DataSource, or a transaction's EntityManager. */
export interface RawQueryable {
  query(sql: string, parameters?: unknown[]): Promise<unknown>;
}

/**
 * Runs an `UPDATE … RETURNING` or `DELETE … RETURNING` and gives back the returned rows. TypeORM's `query`
 * answers those two statements with `[rows, affectedCount]` (every other statement with the rows alone), so
 * `result.length` would always be 2. The one place that knows it.
 */
export async function modifiedRows<T>(db: RawQueryable, sql: string, parameters: unknown[] = []): Promise<T[]> {
  const result = await db.query(sql, parameters);
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') {
    return result[0] as T[];
  }
  if (!Array.isArray(result)) throw new Error('modifiedRows: the statement returned no rows array');
  return result as T[];
}
