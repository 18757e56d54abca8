import type { DataSource } from 'typeorm';
import { registerParty, signingHistory } from '../support/scenario';
import { startTestSandbox, type TestSandbox } from '../support/sandbox';
import {
  eventually,
  postWebhook,
  signedDelivery,
  startTestApp,
  waitForStatus,
  type TestApp,
} from '../support/test-app';
import { connectTestDatabase } from '../support/test-db';
import { startWorkerProcess, type WorkerProcess } from '../support/worker-process';

/**
 * Invariant 8: a worker SIGKILLed after the inbox transaction committed but before its domain events were
 * dispatched loses nothing and duplicates nothing; the restarted worker's sweeper finishes the work.
 */
describe('worker killed between the inbox commit and the dispatch', () => {
  let signbridge: TestApp;
  let db: DataSource;
  let worker: WorkerProcess | undefined;
  let sandbox: TestSandbox;
  // The worker process archives the signed documents from this platform.
  const workerEnv = () => ({
    SANDBOX_URL: sandbox.url,
    // A job the killed worker held (say, archiving the evidence) runs again within seconds, not a minute.
    JOB_LOCK_MS: '2000',
  });

  beforeAll(async () => {
    sandbox = await startTestSandbox();
    signbridge = await startTestApp({ redis: true, env: { SIGNBRIDGE_ROLES: 'api', SANDBOX_URL: sandbox.url } });
    db = await connectTestDatabase();
  });
  afterAll(async () => {
    await worker?.stop();
    await signbridge.close();
    await sandbox.close();
    await db.destroy();
  });

  it('recovers on restart: customer active, each domain event exactly once', async () => {
    const party = await registerParty(signbridge.url, { signers: 1, sandbox });
    worker = startWorkerProcess(signbridge.queuePrefix, {
      ...workerEnv(),
      SIGNBRIDGE_FAULT: 'crash-after-inbox-commit',
    });
    for (const event of signingHistory(party)) {
      expect((await postWebhook(signbridge.url, signedDelivery(event))).status).toBe(200);
    }
    const death = await worker.exited;
    expect(death.signal).toBe('SIGKILL');

    // The crash left committed changes whose events nobody dispatched.
    const stranded: unknown[] = await db.query(
      `SELECT 1 FROM outbox WHERE aggregate_id = $1 AND dispatched_at IS NULL`,
      [party.contractId],
    );
    expect(stranded.length).toBeGreaterThan(0);

    worker = startWorkerProcess(signbridge.queuePrefix, workerEnv());
    await waitForStatus(signbridge.url, `/api/v1/customers/${party.customerId}`, 'active', 30_000);
    await eventually(async () => {
      const left: unknown[] = await db.query(
        `SELECT 1 FROM outbox WHERE aggregate_id IN ($1, $2) AND dispatched_at IS NULL`,
        [party.contractId, party.customerId],
      );
      return left.length === 0 ? true : undefined;
    });

    const counts: { type: string; n: string }[] = await db.query(
      `SELECT type, count(*) AS n FROM outbox WHERE aggregate_id IN ($1, $2) GROUP BY type`,
      [party.contractId, party.customerId],
    );
    const byType = Object.fromEntries(counts.map((c) => [c.type, Number(c.n)]));
    expect(byType).toMatchObject({ ContractActivated: 1, CustomerActivated: 1, ContractSigned: 1, SignerSigned: 1 });
    const [{ n: contractEvents }]: { n: string }[] = await db.query(
      `SELECT count(*) AS n FROM outbox WHERE aggregate_id = $1`,
      [party.contractId],
    );
    // The auditor's last batch may still be running after the last dispatch.
    await eventually(async () => {
      const [{ n }]: { n: string }[] = await db.query(`SELECT count(*) AS n FROM audit_log WHERE subject = $1`, [
        `contract:${party.contractId}`,
      ]);
      return n === contractEvents ? true : undefined;
    });
    const receipts: { subscriber: string; n: string }[] = await db.query(
      `SELECT r.subscriber, count(*) AS n FROM subscriber_receipts r JOIN outbox o ON o.id = r.event_id
        WHERE o.aggregate_id = $1 GROUP BY r.subscriber`,
      [party.contractId],
    );
    expect(Object.fromEntries(receipts.map((r) => [r.subscriber, Number(r.n)]))).toEqual({
      'contracts.activate-customer': 1,
      'webhook-ingestion.apply-parked-events': 1,
      'archive.archive-evidence': 1,
      'contracts.apply-evidence-outcome': 1,
      // Handed ContractActivated once; the contract lists no provisioning, so it skipped.
      'provisioning.start-runs': 1,
      // No billing on this contract: the invoicing subscriber runs once and skips.
      'invoicing.issue-first-invoice': 1,
    });
    const audited: { n: string }[] = await db.query(
      `SELECT count(*) AS n FROM audit_log WHERE subject = $1 GROUP BY data->>'eventId'`,
      [`contract:${party.contractId}`],
    );
    // Every domain event gets exactly one audit-log entry, and its outbox row says so.
    expect(audited.map((a) => Number(a.n))).toEqual(Array(Number(contractEvents)).fill(1));
    const unaudited: unknown[] = await db.query(`SELECT 1 FROM outbox WHERE aggregate_id = $1 AND audited_at IS NULL`, [
      party.contractId,
    ]);
    expect(unaudited).toHaveLength(0);
    const inbound: { status: string }[] = await db.query(`SELECT status FROM inbound_events WHERE envelope_id = $1`, [
      party.envelopeId,
    ]);
    expect(inbound.map((r) => r.status)).toEqual(Array(5).fill('processed'));
    const timeline: unknown[] = await db.query(
      `SELECT 1 FROM contract_timeline WHERE contract_id = $1 AND kind = 'provider_event'`,
      [party.contractId],
    );
    expect(timeline).toHaveLength(5);
  });
});
