import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { API_SCOPES, ApiKeyEntity, type ApiScope } from '@app/domain';
import type { DataSource, EntityManager } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { modifiedRows } from '../database/modified-rows';
import { AppError, registerErrorStatuses } from '../errors/app-error';
import { idempotencyDigest, type IdempotencyScope } from '../idempotency/idempotency-scope';
import { paginate, type Page } from '../pagination/cursor';

registerErrorStatuses({
  'API_KEY.NOT_FOUND': 404,
  'API_KEY.ALREADY_CREATED': 409,
  'API_KEY.LAST_ADMIN': 409,
});

/** A stored key as the API shows it: not even its hash (its secret is shown once, when it is made). */
export type ApiKeyRecord = Omit<ApiKeyEntity, 'keyHash'>;

/**
 * Serialises what must see every key: the first start's bootstrap key, and revocations. A parameter, not a literal:
 * PostgreSQL before 16 reads no hexadecimal literals.
 */
const API_KEYS_LOCK = 0x5b51_0002;

/** What a retry of a key's creation gets: the secret is not stored, so it cannot be given again. */
export function alreadyCreatedError(record: Pick<ApiKeyRecord, 'id' | 'prefix'>): AppError {
  return new AppError(
    'API_KEY.ALREADY_CREATED',
    `This Idempotency-Key already created API key ${record.id} (${record.prefix}…). Its secret was shown once and ` +
      'is not stored: if that answer was lost, revoke the key and create another.',
    { keyId: record.id },
  );
}

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
   * A new key with these scopes; its secret is in the answer and nowhere else. A request with an Idempotency-Key
   * leaves its digest on the row (`request_key`): a retry of it, even one whose stored answer was lost to a crash,
   * finds the key and is told so (`API_KEY.ALREADY_CREATED`) instead of making a second one.
   */
  async create(input: {
    name: string;
    scopes: ApiScope[];
    createdBy: string;
    idempotency?: IdempotencyScope;
  }): Promise<{ record: ApiKeyRecord; key: string }> {
    const key = generateApiKey();
    const requestKey = input.idempotency ? idempotencyDigest(input.idempotency) : null;
    const scopes = API_SCOPES.filter((scope) => input.scopes.includes(scope));
    const rows: { id: string }[] = await this.dataSource.query(
      `INSERT INTO api_keys (id, name, prefix, key_hash, scopes, created_by, request_key)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (request_key) WHERE request_key IS NOT NULL DO NOTHING
       RETURNING id`,
      [randomUUID(), input.name, key.slice(0, 10), hashApiKey(key), scopes, input.createdBy, requestKey],
    );
    if (rows[0]) return { record: await this.get(rows[0].id), key };
    const [existing]: { id: string; prefix: string }[] = await this.dataSource.query(
      `SELECT id, prefix FROM api_keys WHERE request_key = $1`,
      [requestKey],
    );
    throw alreadyCreatedError(existing);
  }

  /** Every key, revoked ones included, oldest first. */
  list(query: { limit?: number; cursor?: string }): Promise<Page<ApiKeyRecord>> {
    const qb = this.dataSource.getRepository(ApiKeyEntity).createQueryBuilder('k');
    return paginate(qb, { alias: 'k', column: 'created_at' }, query, toRecord);
  }

  async get(id: string): Promise<ApiKeyRecord> {
    const key = await this.dataSource.getRepository(ApiKeyEntity).findOneBy({ id });
    if (!key) throw new AppError('API_KEY.NOT_FOUND', `No API key with id ${id}`);
    return toRecord(key);
  }

  /**
   * Revokes a key: from the next request on, it authenticates nothing. Revoking twice changes nothing. The last
   * key with the `admin` scope cannot be revoked (nobody could manage keys afterwards): 409 `API_KEY.LAST_ADMIN`.
   * In `em`'s transaction if given, else in one of its own.
   */
  async revoke(id: string, em?: EntityManager): Promise<ApiKeyRecord> {
    return em ? revokeKey(em, id) : this.dataSource.transaction((tx) => revokeKey(tx, id));
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
      await em.query(`SELECT pg_advisory_xact_lock($1)`, [API_KEYS_LOCK]);
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

/** `ApiKeyService.revoke` in the caller's transaction. */
async function revokeKey(em: EntityManager, id: string): Promise<ApiKeyRecord> {
  // Serialises revocations, so two admins revoking each other's key cannot leave none.
  await em.query(`SELECT pg_advisory_xact_lock($1)`, [API_KEYS_LOCK]);
  const keys = em.getRepository(ApiKeyEntity);
  const key = await keys.findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
  if (!key) throw new AppError('API_KEY.NOT_FOUND', `No API key with id ${id}`);
  if (key.revokedAt) return toRecord(key);
  if (key.scopes.includes('admin')) {
    const [{ others }]: { others: string }[] = await em.query(
      `SELECT count(*) AS others FROM api_keys WHERE revoked_at IS NULL AND 'admin' = ANY (scopes) AND id <> $1`,
      [id],
    );
    if (Number(others) === 0) {
      throw new AppError('API_KEY.LAST_ADMIN', 'This is the last key with the admin scope: create another first');
    }
  }
  const [{ revoked_at: revokedAt }] = await modifiedRows<{ revoked_at: Date }>(
    em,
    `UPDATE api_keys SET revoked_at = now() WHERE id = $1 RETURNING revoked_at`,
    [id],
  );
  return toRecord({ ...key, revokedAt });
}

/** The key as the API shows it: everything but its hash. */
function toRecord({ keyHash: _, ...record }: ApiKeyEntity): ApiKeyRecord {
  return record;
}

/** Stores a key's hash; inserting a key that is already stored changes nothing. */
async function insertKey(em: EntityManager, name: string, key: string, scopes: ApiScope[]): Promise<void> {
  await em.query(
    `INSERT INTO api_keys (id, name, prefix, key_hash, scopes) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (key_hash) DO NOTHING`,
    [randomUUID(), name, key.slice(0, 10), hashApiKey(key), scopes],
  );
}
