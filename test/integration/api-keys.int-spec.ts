import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { APP_CONFIG, ApiKeyService, AppError, type AppConfig } from '@app/common';
import { api, startTestApp, TEST_ADMIN_KEY, type TestApp } from '../support/test-app';
import { connectTestDatabase } from '../support/test-db';

interface KeyView {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  createdAt: string;
  createdBy: string | null;
  revokedAt: string | null;
  key?: string;
}

/** The keys' API (scope admin): a key made here works with its scopes only, is listed without its secret, revoked. */
describe('API keys', () => {
  let app: TestApp;
  let db: DataSource;

  beforeAll(async () => {
    app = await startTestApp();
    db = await connectTestDatabase();
  });
  afterAll(async () => {
    await app.close();
    await db.destroy();
  });

  async function post<T>(path: string, body: unknown, idempotencyKey?: string, key = TEST_ADMIN_KEY) {
    const response = await fetch(`${app.url}${path}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${key}`,
        'content-type': 'application/json',
        ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}),
      },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as T, headers: response.headers };
  }

  it('makes a key that works with its scopes only, shows its secret once and stores only its hash', async () => {
    const created = await post<KeyView>('/api/v1/api-keys', { name: 'ERP connector', scopes: ['erp'] });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'ERP connector', scopes: ['erp'], revokedAt: null });
    const secret = created.body.key!;
    expect(secret).toMatch(/^sb_[A-Za-z0-9_-]{43}$/);
    expect(secret.startsWith(created.body.prefix)).toBe(true);
    const [admin]: { id: string }[] = await db.query(`SELECT id FROM api_keys WHERE prefix = $1`, [
      TEST_ADMIN_KEY.slice(0, 10),
    ]);
    expect(created.body.createdBy).toBe(admin.id);

    // Only its SHA-256 is stored.
    const stored: { key_hash: string }[] = await db.query(`SELECT key_hash FROM api_keys WHERE id = $1`, [
      created.body.id,
    ]);
    expect(stored[0].key_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(await db.query(`SELECT * FROM api_keys WHERE id = $1`, [created.body.id]))).not.toContain(
      secret.slice(10),
    );

    expect((await api(app.url, 'GET', '/api/v1/customers?limit=1', undefined, secret)).status).toBe(200);
    const forbidden = await api<{ code: string }>(app.url, 'GET', '/api/v1/inbound-events', undefined, secret);
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.code).toBe('AUTH.FORBIDDEN');
    expect((await api(app.url, 'GET', '/api/v1/api-keys', undefined, secret)).status).toBe(403);

    const shown = await api<KeyView>(app.url, 'GET', `/api/v1/api-keys/${created.body.id}`);
    expect(shown.body).toEqual({ ...created.body, key: undefined });
    expect(shown.body).not.toHaveProperty('key');
  });

  it('lists keys without their secrets, a page at a time', async () => {
    for (const name of ['list one', 'list two', 'list three']) {
      expect((await post('/api/v1/api-keys', { name, scopes: ['staff'] })).status).toBe(201);
    }
    const names: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: { items: KeyView[]; nextCursor: string | null } } = await api(
        app.url,
        'GET',
        `/api/v1/api-keys?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      for (const item of page.body.items) expect(item).not.toHaveProperty('key');
      names.push(...page.body.items.map((k) => k.name));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(names).toEqual(expect.arrayContaining(['list one', 'list two', 'list three']));
    expect(names.indexOf('list one')).toBeLessThan(names.indexOf('list three'));
  });

  it('refuses a key without scopes or with an unknown one, naming the field', async () => {
    for (const body of [
      { name: 'none', scopes: [] },
      { name: 'odd', scopes: ['erp', 'root'] },
      { name: '', scopes: ['erp'] },
    ]) {
      const refused = await post<{ code: string; fields: { field: string }[] }>('/api/v1/api-keys', body);
      expect(refused.status).toBe(400);
      expect(refused.body.code).toBe('REQUEST.INVALID');
      expect(refused.body.fields.map((f) => f.field)).toEqual([body.name === '' ? 'name' : 'scopes']);
    }
  });

  it('answers a retry with the same Idempotency-Key with 409 and the key it made, never its secret again', async () => {
    const idempotencyKey = randomUUID();
    const body = { name: 'retried', scopes: ['erp'] };
    const first = await post<KeyView>('/api/v1/api-keys', body, idempotencyKey);
    expect(first.status).toBe(201);
    const again = await post<{ code: string; keyId: string; detail: string }>('/api/v1/api-keys', body, idempotencyKey);
    expect(again.status).toBe(409);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toMatchObject({ code: 'API_KEY.ALREADY_CREATED', keyId: first.body.id });
    expect(JSON.stringify(again.body)).not.toContain(first.body.key!);
    // The stored answer holds no secret either.
    const stored = JSON.stringify(await db.query(`SELECT * FROM idempotency_keys WHERE key = $1`, [idempotencyKey]));
    expect(stored).toContain('API_KEY.ALREADY_CREATED');
    expect(stored).not.toContain(first.body.key!);
    const made: unknown[] = await db.query(`SELECT 1 FROM api_keys WHERE name = 'retried'`);
    expect(made).toHaveLength(1);
  });

  it('finds the key a retry made when the stored answer was lost to a crash, instead of making a second', async () => {
    const idempotencyKey = randomUUID();
    const body = { name: 'lost answer', scopes: ['staff'] };
    const first = await post<KeyView>('/api/v1/api-keys', body, idempotencyKey);
    expect(first.status).toBe(201);
    // What a crash between the key's insert and the stored answer leaves: the key, and no answer.
    await db.query(`DELETE FROM idempotency_keys WHERE key = $1`, [idempotencyKey]);
    const again = await post<{ code: string; keyId: string }>('/api/v1/api-keys', body, idempotencyKey);
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ code: 'API_KEY.ALREADY_CREATED', keyId: first.body.id });
    const made: unknown[] = await db.query(`SELECT 1 FROM api_keys WHERE name = 'lost answer'`);
    expect(made).toHaveLength(1);
  });

  it('revokes a key: it authenticates nothing from then on; revoking twice changes nothing', async () => {
    const created = await post<KeyView>('/api/v1/api-keys', { name: 'to revoke', scopes: ['erp'] });
    const secret = created.body.key!;
    expect((await api(app.url, 'GET', '/api/v1/customers?limit=1', undefined, secret)).status).toBe(200);
    const revoked = await post<KeyView>(`/api/v1/api-keys/${created.body.id}/revoke`, {});
    expect(revoked.status).toBe(200);
    expect(revoked.body.revokedAt).not.toBeNull();
    const refused = await api<{ code: string }>(app.url, 'GET', '/api/v1/customers?limit=1', undefined, secret);
    expect(refused.status).toBe(401);
    expect(refused.body.code).toBe('AUTH.UNAUTHENTICATED');
    // Revoking again changes nothing.
    const twice = await post<KeyView>(`/api/v1/api-keys/${created.body.id}/revoke`, {});
    expect(twice.body.revokedAt).toBe(revoked.body.revokedAt);
    expect((await post<{ code: string }>(`/api/v1/api-keys/${randomUUID()}/revoke`, {})).body.code).toBe(
      'API_KEY.NOT_FOUND',
    );
  });

  it('refuses to revoke the last key with the admin scope', async () => {
    const keys = app.app.get(ApiKeyService);
    const admin = await post<KeyView>('/api/v1/api-keys', { name: 'only admin', scopes: ['admin', 'erp'] });
    // In a transaction rolled back at the end: the suites sharing this database keep their admin key.
    const outcome = await db
      .transaction(async (em) => {
        await em.query(
          `UPDATE api_keys SET revoked_at = now() WHERE revoked_at IS NULL AND 'admin' = ANY (scopes) AND id <> $1`,
          [admin.body.id],
        );
        const refused = await keys.revoke(admin.body.id, em).catch((error: unknown) => error);
        throw Object.assign(new Error('roll back'), { refused });
      })
      .catch((error: { refused?: unknown }) => error.refused);
    expect(outcome).toBeInstanceOf(AppError);
    expect(outcome).toMatchObject({ code: 'API_KEY.LAST_ADMIN' });
    // With another admin key there, it is revoked (through the API, as that other key).
    const revoked = await post<KeyView>(`/api/v1/api-keys/${admin.body.id}/revoke`, {});
    expect(revoked.status).toBe(200);
  });

  it('starts without SIGNBRIDGE_ADMIN_API_KEY: the first start makes a key only when there is none', async () => {
    // The path `npm start` takes; its lock statement once failed on PostgreSQL before 16 (a hexadecimal literal).
    const config = app.app.get<AppConfig>(APP_CONFIG);
    const keys = new ApiKeyService(app.app.get(DataSource), { ...config, adminApiKey: undefined });
    const before: unknown[] = await db.query(`SELECT 1 FROM api_keys`);
    await keys.ensureBootstrapKey();
    expect(await db.query(`SELECT 1 FROM api_keys`)).toHaveLength(before.length);
  });
});
