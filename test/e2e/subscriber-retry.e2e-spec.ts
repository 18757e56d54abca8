import type { DataSource } from 'typeorm';
import { sendContract } from '../support/scenario';
import { startTestSandbox, type TestSandbox } from '../support/sandbox';
import { api, eventually, startTestApp, waitForStatus, type TestApp } from '../support/test-app';
import { TcpProxy } from '../support/tcp-proxy';
import { createOwnDatabase, type OwnDatabase } from '../support/test-db';

/**
 * A platform down for longer than the queue's backoff: the archive job runs out of attempts. The relay's retry
 * sweep dispatches it again later, and the contract activates once the platform is back, nothing twice. A
 * database of its own: a sweep this eager would otherwise pick up other test files' events.
 */
describe('a subscriber whose job gave up runs again', () => {
  let database: OwnDatabase;
  let sandbox: TestSandbox;
  let proxy: TcpProxy;
  let app: TestApp;
  let owner: DataSource;

  beforeAll(async () => {
    database = await createOwnDatabase('retry');
    owner = database.owner;
    sandbox = await startTestSandbox();
    const target = new URL(sandbox.url);
    proxy = new TcpProxy(target.hostname, Number(target.port));
    await proxy.up();
    app = await startTestApp({
      env: {
        DATABASE_URL: database.url,
        SANDBOX_URL: `http://127.0.0.1:${proxy.port}`,
        // Two quick tries, then the job is given up; the sweep looks again after a second.
        JOB_ATTEMPTS: '2',
        JOB_BACKOFF_MS: '50',
        SWEEP_GRACE_MS: '1000',
        SUBSCRIBER_RETRY_AFTER_MS: '1000',
      },
    });
  });
  afterAll(async () => {
    await app?.close();
    await proxy?.down();
    await sandbox?.close();
    await database?.drop();
  });

  it('archives once the platform is back, long after the queue gave up, and settles the events', async () => {
    const { contract, customerId } = await sendContract(app.url);
    proxy.refuse();
    const signed = await sandbox.api('POST', `/v1/envelopes/${contract.envelopeId}/simulate`, { action: 'sign' });
    expect(signed.status).toBe(200);
    await waitForStatus(app.url, `/api/v1/contracts/${contract.id}`, 'signed');

    // Both attempts the queue allows fail against the cut proxy; the archive subscriber has no receipt.
    const receipt = async () =>
      (
        (await owner.query(
          `SELECT 1 FROM subscriber_receipts r JOIN outbox o ON o.id = r.event_id
            WHERE o.aggregate_id = $1 AND o.type = 'ContractSigned' AND r.subscriber = 'archive.archive-evidence'`,
          [contract.id],
        )) as unknown[]
      ).length;
    await eventually(async () => (proxy.refused >= 2 ? true : undefined), { what: 'both archive attempts' });
    expect(await receipt()).toBe(0);
    expect((await api<{ status: string }>(app.url, 'GET', `/api/v1/contracts/${contract.id}`)).body.status).toBe(
      'signed',
    );

    proxy.accept();
    await waitForStatus(app.url, `/api/v1/contracts/${contract.id}`, 'active', 30_000);
    await waitForStatus(app.url, `/api/v1/customers/${customerId}`, 'active');
    expect(await receipt()).toBe(1);
    const archived: unknown[] = await owner.query(
      `SELECT 1 FROM outbox WHERE aggregate_id = $1 AND type = 'DocumentsArchived'`,
      [contract.id],
    );
    expect(archived).toHaveLength(1);

    // Every event of the contract ends settled: all its subscribers have their receipts.
    await eventually(
      async () => {
        const open: unknown[] = await owner.query(
          `SELECT 1 FROM outbox WHERE aggregate_id = $1 AND settled_at IS NULL`,
          [contract.id],
        );
        return open.length === 0 ? true : undefined;
      },
      { timeoutMs: 20_000, what: 'every event of the contract settled' },
    );
  });
});
