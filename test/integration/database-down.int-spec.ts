import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { postWebhook, signedDelivery, startTestApp, type TestApp } from '../support/test-app';
import { TcpProxy } from '../support/tcp-proxy';
import { connectTestDatabase } from '../support/test-db';
import { TEST_DATABASE_URL } from '../support/test-env';

/** No 2xx before the event is durably stored: with the database gone the answer is 503 and nothing is written. */
describe('webhook ingress with the database unreachable', () => {
  const target = new URL(TEST_DATABASE_URL);
  const proxy = new TcpProxy(target.hostname, Number(target.port || 5432));
  let app: TestApp;
  let db: DataSource;

  beforeAll(async () => {
    await proxy.up();
    const viaProxy = new URL(TEST_DATABASE_URL);
    viaProxy.port = String(proxy.port);
    app = await startTestApp({ redis: true, env: { DATABASE_URL: viaProxy.toString(), SIGNBRIDGE_ROLES: 'api' } });
    db = await connectTestDatabase();
  });
  afterAll(async () => {
    await app.close();
    await proxy.down();
    await db.destroy();
  });

  const delivery = () =>
    signedDelivery({
      type: 'envelope.opened',
      timestamp: new Date().toISOString(),
      data: { envelope_id: `env_${randomUUID()}` },
    });
  const stored = async (id: string) =>
    ((await db.query(`SELECT 1 FROM inbound_events WHERE provider_event_id = $1`, [id])) as unknown[]).length;

  it('answers 503 (problem+json, Retry-After) while the database is gone, and 200 once it is back', async () => {
    const before = delivery();
    expect((await postWebhook(app.url, before)).status).toBe(200);

    await proxy.down();
    const during = delivery();
    const started = Date.now();
    const refused = await postWebhook(app.url, during);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('5');
    expect(await refused.json()).toMatchObject({ code: 'SERVICE.UNAVAILABLE' });
    expect(Date.now() - started).toBeLessThan(6_000);
    const alsoRefused = await Promise.all(Array.from({ length: 10 }, () => postWebhook(app.url, delivery())));
    expect(alsoRefused.map((r) => r.status)).toEqual(Array(10).fill(503));

    await proxy.up(proxy.port);
    expect(await stored(during.id)).toBe(0);
    // The provider retries the same delivery; now it is stored, exactly once.
    let retried = await postWebhook(app.url, during);
    for (let i = 0; i < 20 && retried.status !== 200; i++) retried = await postWebhook(app.url, during);
    expect(retried.status).toBe(200);
    expect(await stored(during.id)).toBe(1);
    expect(await stored(before.id)).toBe(1);
  });

  it('answers 503 when its connections are terminated under it, and nothing is half-written', async () => {
    // Only this app's backends (they connect through the proxy): other test files share the database.
    const terminated: unknown[] = await db.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE client_port = ANY($1::int[])`,
      [proxy.upstreamPorts()],
    );
    expect(terminated.length).toBeGreaterThan(0);
    const deliveries = Array.from({ length: 20 }, delivery);
    const responses = await Promise.all(deliveries.map((d) => postWebhook(app.url, d)));
    for (const [i, response] of responses.entries()) {
      expect([200, 503]).toContain(response.status);
      expect(await stored(deliveries[i].id)).toBe(response.status === 200 ? 1 : 0);
    }
  });
});
