import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { API_SCOPES, type ApiScope } from '@app/domain';
import type { DataSource, EntityManager } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../config/app-config';

export interface ApiPrincipal {
  keyId: string;
  name: string;
  scopes: ApiScope[];
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

export function generateApiKey(): string {
  return `sb_${randomBytes(32).toString('base64url')}`;
}

@Injectable()
export class ApiKeyService {
  private readonly logger = new Logger('ApiKeys');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async authenticate(key: string): Promise<ApiPrincipal | undefined> {
    const rows: { id: string; name: string; scopes: ApiScope[] }[] = await this.dataSource.query(
      `SELECT id, name, scopes FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL`,
      [hashApiKey(key)],
    );
    const row = rows[0];
    return row ? { keyId: row.id, name: row.name, scopes: row.scopes } : undefined;
  }

  /**
   * The first admin key: SIGNBRIDGE_ADMIN_API_KEY is used as given; without it, a key is created on the
   * first start (when no key exists) and printed once. Only its hash is stored, so it cannot be shown again.
   */
  async ensureBootstrapKey(): Promise<void> {
    const allScopes = [...API_SCOPES];
    if (this.config.adminApiKey) {
      await insertKey(
        this.dataSource.manager,
        'bootstrap admin (SIGNBRIDGE_ADMIN_API_KEY)',
        this.config.adminApiKey,
        allScopes,
      );
      return;
    }
    // Serialised with an advisory lock so two instances starting together do not both create one.
    await this.dataSource.transaction(async (em) => {
      await em.query(`SELECT pg_advisory_xact_lock(0x5b510002)`);
      const [{ count }]: { count: string }[] = await em.query(`SELECT count(*) FROM api_keys`);
      if (Number(count) > 0) return;
      const key = generateApiKey();
      await insertKey(em, 'bootstrap admin (first start)', key, allScopes);
      this.logger.warn(
        `Created the first admin API key. It is shown only this once; store it now:\n\n    ${key}\n\n` +
          'Use it as "Authorization: Bearer <key>". Set SIGNBRIDGE_ADMIN_API_KEY to choose your own instead.',
      );
    });
  }
}

/** Stores a key's hash; inserting a key that is already stored changes nothing. */
async function insertKey(em: EntityManager, name: string, key: string, scopes: ApiScope[]): Promise<void> {
  await em.query(
    `INSERT INTO api_keys (id, name, prefix, key_hash, scopes) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (key_hash) DO NOTHING`,
    [randomUUID(), name, key.slice(0, 10), hashApiKey(key), scopes],
  );
}
