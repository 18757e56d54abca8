import { DataSource } from 'typeorm';
import { buildDataSourceOptions } from './libs/common/src/database/data-source-options';

/**
 * The DataSource the TypeORM CLI uses (`npm run typeorm -- migration:show`). The app itself runs the same
 * migrations on start-up (MIGRATIONS_RUN) or through `npm run migration:run`.
 */
const url = process.env.DATABASE_URL;
if (!url) throw new Error('DATABASE_URL: required by the TypeORM CLI (postgres://user@host:port/db)');

export default new DataSource(buildDataSourceOptions(url));
