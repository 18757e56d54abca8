import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { Sweeper, SWEEPER_LOCK_KEY } from '@app/event-bus';
import { eventually, startTestApp, type TestApp } from '../support/test-app';
import { TEST_DATABASE_URL } from '../support/test-env';

/**
 * The sweeper's election and its outbox pass, on an API-only app (no workers: nothing consumes, and the
 * sweeper does not tick on its own, so every pass here is one the test asked for).
 *
 * Other test files run at the same time against the same database, and their worker-role apps sweep every
 * 200 ms under the same advisory lock. Hence two precautions: a "the lock is free" pass is awaited with
 * `eventually` (a neighbour may hold the lock for a few milliseconds), and this app's grace is 30 minutes,
 * so its passes only touch rows far older than anything a neighbour is working on: without a consumer here,
 * a row it dispatched would otherwise be taken from the neighbour that owns it and never processed.
 */
describe('Sweeper', () => {
  let target: TestApp;
  let sweeper: Sweeper;
  let holder: Client;
  let db: Client;

  beforeAll(async () => {
    target = await startTestApp({
      redis: true,
      env: { SIGNBRIDGE_ROLES: 'api', SWEEP_GRACE_MS: String(30 * 60_000) },
    });
    sweeper = target.app.get(Sweeper);
    holder = new Client({ connectionString: TEST_DATABASE_URL });
    db = new Client({ connectionString: TEST_DATABASE_URL });
    await Promise.all([holder.connect(), db.connect()]);
  });
  afterAll(async () => {
    await Promise.all([holder.end(), db.end()]);
    await target.close();
  });

  /** Session-level, like the sweeper's own lock: held until unlocked or the session ends. */
  async function holdLock<T>(body: () => Promise<T>): Promise<T> {
    await holder.query('SELECT pg_advisory_lock($1)', [SWEEPER_LOCK_KEY]);
    try {
      return await body();
    } finally {
      await holder.query('SELECT pg_advisory_unlock($1)', [SWEEPER_LOCK_KEY]);
    }
  }

  const sweepsOnceFree = () =>
    eventually(async () => ((await sweeper.sweepOnce()) ? true : undefined), {
      timeoutMs: 5_000,
      what: 'a sweep pass with the lock free',
    });

  it('skips its pass while another session holds the lock, and sweeps once it is released', async () => {
    const whileHeld = await holdLock(() => sweeper.sweepOnce());
    expect(whileHeld).toBe(false);
    await expect(sweepsOnceFree()).resolves.toBe(true);
  });

  it('releases its lock after a pass, so the next pass can take it', async () => {
    await sweepsOnceFree();
    // Our own session would get the lock only if no other session, the sweeper's included, still held it.
    const got = await eventually(async () => {
      const [{ locked }] = (await holder.query('SELECT pg_try_advisory_lock($1) AS locked', [SWEEPER_LOCK_KEY]))
        .rows as { locked: boolean }[];
      return locked ? true : undefined;
    });
    expect(got).toBe(true);
    await holder.query('SELECT pg_advisory_unlock($1)', [SWEEPER_LOCK_KEY]);
    await sweepsOnceFree();
  });

  it('none of five concurrent passes sweeps while the lock is held elsewhere', async () => {
    const results = await holdLock(() => Promise.all(Array.from({ length: 5 }, () => sweeper.sweepOnce())));
    expect(results).toEqual([false, false, false, false, false]);
  });

  it('runs every task of a pass even when one of them fails', async () => {
    let after = 0;
    sweeper.register('test-failing', () => Promise.reject(new Error('this task always fails')));
    sweeper.register('test-after', () => {
      after += 1;
      return Promise.resolve(0);
    });
    await sweepsOnceFree();
    expect(after).toBe(1);
  });

  it('dispatches an outbox row left undispatched past the grace period', async () => {
    const eventId = randomUUID();
    const contractId = randomUUID();
    const dispatchedAt = async () =>
      (
        (await db.query('SELECT dispatched_at FROM outbox WHERE id = $1', [eventId])).rows as {
          dispatched_at: Date | null;
        }[]
      )[0].dispatched_at;
    // Inserted under the lock, so no sweeper, ours or a neighbour's, can touch it before we look.
    const whileHeld = await holdLock(async () => {
      await db.query(
        `INSERT INTO outbox (id, type, aggregate_type, aggregate_id, payload, correlation_id, causation_id, occurred_at, created_at)
         VALUES ($1, 'ContractActivated', 'contract', $2, $3, $4, $4, now() - interval '1 hour', now() - interval '1 hour')`,
        [eventId, contractId, JSON.stringify({ customerId: randomUUID() }), `sweeper-test-${contractId}`],
      );
      expect(await dispatchedAt()).toBeNull();
      const swept = await sweeper.sweepOnce();
      expect(await dispatchedAt()).toBeNull();
      return swept;
    });
    expect(whileHeld).toBe(false);

    await sweepsOnceFree();
    const at = await dispatchedAt();
    expect(at).toBeInstanceOf(Date);
    expect(Math.abs((at?.getTime() ?? 0) - Date.now())).toBeLessThan(60_000);
  });
});
