import { WebhookMessageStore, type ClaimedMessage } from '@app/sandbox';
import {
  draft,
  dropSchema,
  eventually,
  newSchema,
  Receiver,
  startSandboxWebhookApp,
  waitForDelivery,
  type SandboxWebhookApp,
} from './sandbox-webhook-harness';

/** What lives in the database survives the process: restarts, dead leases, and two dispatchers side by side. */
describe('Sandbox webhook dispatcher across processes', () => {
  const schema = newSchema();
  let receiver: Receiver;
  const apps: SandboxWebhookApp[] = [];

  const start = async (env: Record<string, string> = {}) => {
    const app = await startSandboxWebhookApp(schema, env);
    apps.push(app);
    return app;
  };
  const stop = async (app: SandboxWebhookApp) => {
    apps.splice(apps.indexOf(app), 1);
    await app.close();
  };

  beforeEach(async () => {
    receiver = await new Receiver().start();
  });
  afterEach(async () => {
    await Promise.all([...apps].map(stop));
    await receiver.stop();
  });
  afterAll(() => dropSchema(schema));

  it('a retry pending when the process stops is made by the next process', async () => {
    const first = await start({ SANDBOX_WEBHOOK_RETRY_SCHEDULE: '800ms' });
    receiver.answer = (_request, seenBefore) => (seenBefore === 0 ? { status: 503 } : { status: 200 });
    const [id] = await first.send([draft(receiver.url)]);
    await waitForDelivery(first, id, 'pending', { attempts: 1 });
    const closeStarted = Date.now();
    await stop(first);
    // No timer survives close(): nothing is sent while no process runs.
    expect(Date.now() - closeStarted).toBeLessThan(2000);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(receiver.of(id)).toHaveLength(1);

    const second = await start({ SANDBOX_WEBHOOK_RETRY_SCHEDULE: '800ms' });
    const view = await waitForDelivery(second, id, 'delivered', { attempts: 2 });
    expect(view.attempt_log.map((a) => a.status_code)).toEqual([503, 200]);
    expect(receiver.of(id)).toHaveLength(2);
  });

  it('an attempt cut short by shutdown gives its lease back and is not counted', async () => {
    const first = await start({ SANDBOX_WEBHOOK_TIMEOUT_MS: '20000' });
    receiver.answer = (_request, seenBefore) => (seenBefore === 0 ? { status: 200, delayMs: 30_000 } : { status: 200 });
    const [id] = await first.send([draft(receiver.url)]);
    await eventually(async () => (receiver.of(id).length === 1 ? true : undefined));
    await stop(first);

    const second = await start();
    const view = await waitForDelivery(second, id, 'delivered', { attempts: 1, timeoutMs: 5000 });
    expect(view.attempt_log).toHaveLength(1);
    expect(receiver.of(id)).toHaveLength(2);
  });

  it('a message leased by a process that died is picked up once the lease expires', async () => {
    const sandbox = await start();
    const ids = await sandbox.database.transaction(async (tx) => {
      const enqueued = await sandbox.outbox.enqueue(tx, [draft(receiver.url)]);
      // As a crashed process leaves it: claimed, never recorded.
      await tx.query(
        `UPDATE webhook_messages SET locked_until = now() + interval '1 second', lease_token = 'dead' WHERE id = $1`,
        enqueued,
      );
      return enqueued;
    });
    const [id] = ids;
    const committedAt = Date.now();
    sandbox.outbox.wake();
    const view = await waitForDelivery(sandbox, id, 'delivered', { attempts: 1 });
    expect(receiver.of(id)[0].at - committedAt).toBeGreaterThanOrEqual(900);
    expect(view.attempt_log).toHaveLength(1);
  });

  it('two dispatchers on one database deliver each of 100 messages exactly once', async () => {
    const env = { SANDBOX_WEBHOOK_CONCURRENCY: '8', SANDBOX_WEBHOOK_POLL_MS: '20' };
    const [a, b] = [await start(env), await start(env)];
    const claimedBy = new Map<SandboxWebhookApp, string[]>();
    for (const app of [a, b]) {
      const store = app.app.get(WebhookMessageStore);
      const claim = store.claim.bind(store);
      claimedBy.set(app, []);
      jest.spyOn(store, 'claim').mockImplementation(async (...args) => {
        const claimed: ClaimedMessage[] = await claim(...args);
        claimedBy.get(app)?.push(...claimed.map((m) => m.id));
        return claimed;
      });
    }
    // A little latency, so both dispatchers have claims in flight at the same time.
    receiver.answer = () => ({ status: 200, delayMs: 5 });
    const ids = await a.send(Array.from({ length: 100 }, (_, n) => draft(receiver.url, { data: { n } })));
    b.outbox.wake();
    await eventually(
      async () => {
        const [row] = await a.database.query<{ n: string }>(
          `SELECT count(*) AS n FROM webhook_messages WHERE id = ANY($1) AND status = 'delivered'`,
          [ids],
        );
        return row.n === '100' ? true : undefined;
      },
      { timeoutMs: 20_000, what: '100 delivered' },
    );
    expect(receiver.received).toHaveLength(100);
    expect(new Set(receiver.received.map((r) => r.id)).size).toBe(100);
    const [attempts] = await a.database.query<{ n: string }>(
      'SELECT count(*) AS n FROM webhook_attempts WHERE message_id = ANY($1)',
      [ids],
    );
    expect(attempts.n).toBe('100');
    // Both really took part, and no message was claimed by both.
    const [byA, byB] = [claimedBy.get(a) ?? [], claimedBy.get(b) ?? []];
    expect(byA.length).toBeGreaterThan(0);
    expect(byB.length).toBeGreaterThan(0);
    expect(new Set([...byA, ...byB]).size).toBe(byA.length + byB.length);
  });
});
