import type { DataSource } from 'typeorm';
import { ContractReconciler } from '@app/contracts';
import { registerParty } from '../support/scenario';
import { startTestApp, type TestApp } from '../support/test-app';
import { connectTestDatabase } from '../support/test-db';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/**
 * When the reconciler asks about a contract next. An API-only app on Redis: nothing consumes the jobs a pass
 * enqueues and the sweeper does not tick by itself, so the only pass is the one the test runs.
 */
describe('the reconciler schedule', () => {
  let app: TestApp;
  let db: DataSource;
  let reconciler: ContractReconciler;

  beforeAll(async () => {
    app = await startTestApp({
      redis: true,
      env: { SIGNBRIDGE_ROLES: 'api', RECONCILE_AFTER: '15m', RECONCILE_MAX_INTERVAL: '6h' },
    });
    reconciler = app.app.get(ContractReconciler);
    db = await connectTestDatabase();
  });
  afterAll(async () => {
    await app.close();
    await db.destroy();
  });

  /** A registered contract, made to look quiet since `quietMs` ago, in `status`, maybe already asked about. */
  async function contract(quietMs: number, status = 'sent', dueInMs?: number): Promise<string> {
    const { contractId } = await registerParty(app.url);
    await db.query(
      `UPDATE contracts SET status = $2, updated_at = now() - make_interval(secs => $3::double precision / 1000),
              reconcile_due_at = now() + make_interval(secs => $4::double precision / 1000)
        WHERE id = $1`,
      [contractId, status, quietMs, dueInMs ?? null],
    );
    return contractId;
  }

  /** Seconds from now until the contract's next check, or null when it has none. */
  async function nextCheckIn(contractId: string): Promise<number | null> {
    const [row]: { seconds: number | null }[] = await db.query(
      `SELECT extract(epoch FROM reconcile_due_at - now())::float AS seconds FROM contracts WHERE id = $1`,
      [contractId],
    );
    return row.seconds === null ? null : Math.round(row.seconds);
  }

  it('asks about a contract quiet for RECONCILE_AFTER, then again after half its quiet time, within the bounds', async () => {
    const justSent = await contract(MINUTE);
    const quiet20m = await contract(20 * MINUTE, 'opened');
    const quiet3h = await contract(3 * HOUR, 'partially_signed');
    const quiet2d = await contract(48 * HOUR, 'delivered');
    const signed = await contract(3 * HOUR, 'signed');
    const notYetDue = await contract(3 * HOUR, 'sent', 10 * MINUTE);
    const overdue = await contract(3 * HOUR, 'sent', -MINUTE);

    await reconciler.scheduleDue();

    expect(await nextCheckIn(justSent)).toBeNull();
    expect(await nextCheckIn(quiet20m)).toBe(15 * 60); // half of 20 minutes is below RECONCILE_AFTER
    expect(await nextCheckIn(quiet3h)).toBe(90 * 60); // half its quiet time
    expect(await nextCheckIn(quiet2d)).toBe(6 * 3600); // RECONCILE_MAX_INTERVAL
    expect(await nextCheckIn(signed)).toBeNull(); // no longer waiting for the platform
    expect(await nextCheckIn(notYetDue)).toBe(10 * 60);
    expect(await nextCheckIn(overdue)).toBe(90 * 60);
  });

  it('leaves a contract another transaction holds for the next pass', async () => {
    const held = await contract(3 * HOUR);
    const runner = db.createQueryRunner();
    await runner.connect();
    await runner.startTransaction();
    try {
      await runner.query(`SELECT 1 FROM contracts WHERE id = $1 FOR UPDATE`, [held]);
      await reconciler.scheduleDue();
      expect(await nextCheckIn(held)).toBeNull();
    } finally {
      await runner.rollbackTransaction();
      await runner.release();
    }
    await reconciler.scheduleDue();
    expect(await nextCheckIn(held)).toBe(90 * 60);
  });
});
