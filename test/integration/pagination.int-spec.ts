import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { api, startTestApp, type TestApp } from '../support/test-app';
import { connectTestDatabase } from '../support/test-db';

/**
 * Keyset pagination where rows share a millisecond: PostgreSQL keeps microseconds, a JavaScript Date does not. A
 * cursor cut to the millisecond sorts before the other rows of that millisecond, so the next page served the last
 * row again, and a client paging with `limit=1` got it forever. Checked on a list of each pagination helper: API
 * keys (TypeORM query builder) and webhook endpoints (raw SQL).
 */
describe('lists page through rows of one millisecond, each once', () => {
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

  // Far in the past, so they come first: lists are oldest first. Time order is the reverse of id order.
  const rows = [
    { id: 'ffffffff-0000-4000-8000-000000000000', createdAt: '2001-02-03T04:05:06.789100Z' },
    { id: '88888888-0000-4000-8000-000000000000', createdAt: '2001-02-03T04:05:06.789300Z' },
    { id: '11111111-0000-4000-8000-000000000000', createdAt: '2001-02-03T04:05:06.789500Z' },
  ];

  /** Pages with limit=1 until the three rows went by; a cursor seen twice is the bug, failed at once. */
  async function pageThrough(path: string): Promise<string[]> {
    const seen: string[] = [];
    const cursors = new Set<string>();
    let cursor: string | null = null;
    for (let page = 0; page < 20; page++) {
      const res: { status: number; body: { items: { id: string }[]; nextCursor: string | null } } = await api(
        app.url,
        'GET',
        `${path}?limit=1${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(res.status).toBe(200);
      seen.push(...res.body.items.map((item) => item.id));
      cursor = res.body.nextCursor;
      if (cursor === null || seen.includes(rows[2].id)) break;
      expect(cursors.has(cursor)).toBe(false);
      cursors.add(cursor);
    }
    return seen.filter((id) => rows.some((row) => row.id === id));
  }

  it('API keys', async () => {
    for (const row of rows) {
      await db.query(
        `INSERT INTO api_keys (id, name, prefix, key_hash, scopes, created_at, revoked_at)
         VALUES ($1, 'pagination test', 'sb_pagtest', $2, '{staff}', $3, $3)`,
        [row.id, randomBytes(32).toString('hex'), row.createdAt],
      );
    }
    expect(await pageThrough('/api/v1/api-keys')).toEqual(rows.map((row) => row.id));
  });

  it('webhook endpoints', async () => {
    for (const row of rows) {
      // Disabled: no app's fan-out delivers to them.
      await db.query(
        `INSERT INTO webhook_endpoints (id, url, event_types, secret, status, disabled_reason, created_at)
         VALUES ($1, 'https://erp.example.test/hooks', '{*}', $2, 'disabled', 'pagination test', $3)`,
        [row.id, randomBytes(24).toString('base64'), row.createdAt],
      );
    }
    expect(await pageThrough('/api/v1/webhook-endpoints')).toEqual(rows.map((row) => row.id));
  });
});
