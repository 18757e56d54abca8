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

  /** A registered contract, made to look quiet since `quietMs` ago, in `status`, due for a look in `dueInMs`. */
  async function contract(quietMs: number, status = 'sent', dueInMs = 0): Promise<string> {
    const { contractId } = await registerParty(app.url);
    await db.query(
      `UPDATE contracts SET status = $2, updated_at = now() - make_interval(secs => $3::double precision / 1000),
              reconcile_due_at = now() + make_interval(secs => $4::double precision / 1000)
        WHERE id = $1`,
      [contractId, status, quietMs, dueInMs],
    );
    return contractId;
  }

  /** Seconds from now until the contract's next check, or null when it has none. */
  async function nextCheckIn(contractId: string): Promise<number | null> {
    const [row]: { seconds: number | null }[] = await db.query(
      `SELECT extract(epoch FROM reconcile_due_at - now())::float AS seconds FROM contracts WHERE id = $1`,
      [contractId],
    );
    return row.seconds;
  }

  /**
   * The contract's next check is `seconds` from now, give or take the few seconds this test itself has taken:
   * a check counted from the contract's last change moves closer while the rest of the set-up runs (a slow CI
   * machine once made 900 s read 899). The intervals compared differ by minutes, so the slack hides no mistake.
   */
  async function expectCheckIn(contractId: string, seconds: number): Promise<void> {
    const actual = await nextCheckIn(contractId);
    expect(actual).not.toBeNull();
    expect(actual).toBeGreaterThan(seconds - 10);
    expect(actual).toBeLessThanOrEqual(seconds + 1);
  }

  it('asks about a contract quiet for RECONCILE_AFTER, then again after half its quiet time, within the bounds', async () => {
    const { contractId: fresh } = await registerParty(app.url);
    const justChanged = await contract(MINUTE);
    const quiet20m = await contract(20 * MINUTE, 'opened');
    const quiet3h = await contract(3 * HOUR, 'partially_signed');
    const quiet2d = await contract(48 * HOUR, 'delivered');
    const signed = await contract(3 * HOUR, 'signed');
    const notYetDue = await contract(3 * HOUR, 'sent', 10 * MINUTE);
    const overdue = await contract(3 * HOUR, 'sent', -MINUTE);
    // A new contract is on the schedule from its insert.
    expect(await nextCheckIn(fresh)).toBeLessThanOrEqual(0);

    const asked = await reconciler.scheduleDue();

    expect(asked).toBeGreaterThanOrEqual(4);
    await expectCheckIn(fresh, 15 * 60); // not quiet yet: looked at again once it is
    await expectCheckIn(justChanged, 14 * 60);
    await expectCheckIn(quiet20m, 15 * 60); // asked; half of 20 minutes is below RECONCILE_AFTER
    await expectCheckIn(quiet3h, 90 * 60); // asked; half its quiet time
    await expectCheckIn(quiet2d, 6 * 3600); // asked; RECONCILE_MAX_INTERVAL
    expect(await nextCheckIn(signed)).toBeNull(); // no longer waiting for the platform: off the schedule
    await expectCheckIn(notYetDue, 10 * 60);
    await expectCheckIn(overdue, 90 * 60);
  });

  it("indexes none of the columns the lifecycle's UPDATE changes, so that UPDATE can stay HOT", async () => {
    const indexed: { attname: string }[] = await db.query(
      `SELECT DISTINCT a.attname
         FROM pg_index i
         JOIN pg_attribute a ON a.attrelid = i.indrelid
        WHERE i.indrelid = 'contracts'::regclass
          AND (a.attnum = ANY (i.indkey)
               OR pg_get_expr(i.indpred, i.indrelid) ~ ('\\m' || a.attname || '\\M')
               OR pg_get_expr(i.indexprs, i.indrelid) ~ ('\\m' || a.attname || '\\M'))`,
    );
    const columns = indexed.map((row) => row.attname);
    expect(columns).toContain('reconcile_due_at');
    for (const column of ['status', 'lifecycle', 'updated_at']) expect(columns).not.toContain(column);
  });

  it('leaves a contract another transaction holds for the next pass', async () => {
    const held = await contract(3 * HOUR);
    const runner = db.createQueryRunner();
    await runner.connect();
    await runner.startTransaction();
    try {
      await runner.query(`SELECT 1 FROM contracts WHERE id = $1 FOR UPDATE`, [held]);
      await reconciler.scheduleDue();
      expect(await nextCheckIn(held)).toBeLessThanOrEqual(0); // still due: not taken
    } finally {
      await runner.rollbackTransaction();
      await runner.release();
    }
    await reconciler.scheduleDue();
    await expectCheckIn(held, 90 * 60);
  });
});
