import { DataSource } from 'typeorm';
import { buildDataSourceOptions } from '@app/common';
import { TEST_DATABASE_URL } from './test-env';

/** A connection of the test's own, to look at (or tamper with) what the app wrote. */
export function connectTestDatabase(poolSize = 2): Promise<DataSource> {
  return new DataSource(buildDataSourceOptions(TEST_DATABASE_URL, poolSize)).initialize();
}
