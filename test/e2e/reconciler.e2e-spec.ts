import { freePort } from '../support/free-port';
import type { DataSource } from 'typeorm';
import { registerParty, sendContract, signedEnvelope } from '../support/scenario';
import { startTestSandbox, type TestSandbox } from '../support/sandbox';
import { TcpProxy } from '../support/tcp-proxy';
import { api, eventually, startTestApp, waitForStatus, type TestApp } from '../support/test-app';
import { connectTestDatabase } from '../support/test-db';

interface TimelineItem {
  kind: string;
  type: string;
  outcome: string;
  inboundEventId: string | null;
}

interface Reconciliation {
  statusBefore: string;
  applied: number;
  contract: { id: string; status: string; reconciledAt: string | null };
}

/**
 * The platform's webhooks are lost for good: the address SignBridge gives it for them is a proxy that refuses
 * every connection. The reconciler asks the platform instead. The platform here never expires an envelope by
 * itself (its expiry check runs hourly), so a deadline is SignBridge's to enforce.
 */
describe('the reconciler: webhooks that never arrive', () => {
  let sandbox: TestSandbox;
  let app: TestApp;
  let proxy: TcpProxy;
  let db: DataSource;

  beforeAll(async () => {
    sandbox = await startTestSandbox({
      SANDBOX_EXPIRY_CHECK_MS: '3600000',
      // Retried for about 20 s: long enough for the late-webhook test to let them through after reconciling.
      SANDBOX_WEBHOOK_RETRY_SCHEDULE: Array.from({ length: 20 }, () => '1s').join(','),
    });
    const port = await freePort();
    proxy = new TcpProxy('127.0.0.1', port);
    await proxy.up();
    proxy.refuse();
    app = await startTestApp({
      port,
      env: {
        SANDBOX_URL: sandbox.url,
        SIGNBRIDGE_PUBLIC_URL: `http://127.0.0.1:${proxy.port}`,
        RECONCILE_AFTER: '3s',
        RECONCILE_MAX_INTERVAL: '5s',
      },
    });
    db = await connectTestDatabase();
  });
  afterAll(async () => {
    await app.close();
    await proxy.down();
    await sandbox.close();
    await db.destroy();
  });

  const timeline = async (contractId: string) =>
    (await api<{ items: TimelineItem[] }>(app.url, 'GET', `/api/v1/contracts/${contractId}/timeline`)).body.items;
  const outboxCount = async (contractId: string, type: string) => {
    const [{ count }]: { count: number }[] = await db.query(
      `SELECT count(*)::int AS count FROM outbox WHERE aggregate_id = $1 AND type = $2`,
      [contractId, type],
    );
    return count;
  };
  const simulate = async (envelopeId: string, action: string) => {
    const answer = await sandbox.api('POST', `/v1/envelopes/${envelopeId}/simulate`, { action, ip: '198.51.100.9' });
    expect(answer.status).toBe(200);
  };

  it('lets staff ask now; asking again finds nothing new', async () => {
    const { contract } = await sendContract(app.url);
    await simulate(contract.envelopeId, 'decline');

    // Within RECONCILE_AFTER of sending: the reconciler has not asked yet, so this call is the one that finds it.
    const first = await api<Reconciliation>(app.url, 'POST', `/api/v1/contracts/${contract.id}/reconcile`, {});
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ statusBefore: 'sent', contract: { status: 'declined' } });
    expect(first.body.applied).toBeGreaterThanOrEqual(1);
    expect(first.body.contract.reconciledAt).not.toBeNull();
    const entries = (await timeline(contract.id)).filter((e) => e.kind === 'reconciled');
    expect(entries.map((e) => e.type)).toContain('declined');
    expect(entries.every((e) => e.inboundEventId === null)).toBe(true);

    const before = await timeline(contract.id);
    const again = await api<Reconciliation>(app.url, 'POST', `/api/v1/contracts/${contract.id}/reconcile`, {});
    expect(again.body).toMatchObject({ statusBefore: 'declined', applied: 0, contract: { status: 'declined' } });
    expect(await timeline(contract.id)).toEqual(before);
    expect(await outboxCount(contract.id, 'ContractDeclined')).toBe(1);
    // Nothing came in through the webhook door for this envelope.
    const inbound: unknown[] = await db.query(`SELECT 1 FROM inbound_events WHERE envelope_id = $1`, [
      contract.envelopeId,
    ]);
    expect(inbound).toHaveLength(0);
  });

  it('leaves out a signature by someone not on the contract, so no check counts it as new', async () => {
    // Signed on the platform by a stranger; the contract lists other signers.
    const envelopeId = await signedEnvelope(sandbox, [{ email: 'stranger@example.test', name: 'Stranger' }]);
    const { contractId } = await registerParty(app.url, { envelopeId, signers: 1 });

    const first = await api<Reconciliation>(app.url, 'POST', `/api/v1/contracts/${contractId}/reconcile`, {});
    // `completed` is a fact whoever signed; the stranger's signature changes nothing and leaves no entry.
    expect(first.body.applied).toBe(1);
    expect((await timeline(contractId)).filter((e) => e.kind === 'reconciled').map((e) => e.type)).toEqual([
      'completed',
    ]);
    const again = await api<Reconciliation>(app.url, 'POST', `/api/v1/contracts/${contractId}/reconcile`, {});
    expect(again.body.applied).toBe(0);
  });

  it('answers 404 for an unknown contract', async () => {
    const missing = await api(app.url, 'POST', '/api/v1/contracts/00000000-0000-4000-8000-000000000000/reconcile', {});
    expect(missing.status).toBe(404);
  });

  it('activates a signed contract by itself, and the late webhooks change nothing', async () => {
    const { contract, customerId } = await sendContract(app.url);
    await simulate(contract.envelopeId, 'open');
    await simulate(contract.envelopeId, 'sign');

    await waitForStatus(app.url, `/api/v1/customers/${customerId}`, 'active', 30_000);
    const reconciled = (await timeline(contract.id)).filter((e) => e.kind === 'reconciled');
    expect(reconciled.map((e) => e.type).sort()).toEqual(['completed', 'opened', 'signer_signed']);
    expect(await outboxCount(contract.id, 'ContractSigned')).toBe(1);
    expect(await outboxCount(contract.id, 'ContractActivated')).toBe(1);

    // The platform's retries get through at last: stored and applied, each a duplicate of what was reconciled.
    proxy.accept();
    await eventually(
      async () => {
        const fromWebhooks = (await timeline(contract.id)).filter((e) => e.kind === 'provider_event');
        expect(fromWebhooks.map((e) => e.type)).toEqual(expect.arrayContaining(['signer_signed', 'completed']));
        return fromWebhooks;
      },
      { timeoutMs: 30_000 },
    );
    const status = await api<{ status: string }>(app.url, 'GET', `/api/v1/contracts/${contract.id}`);
    expect(status.body.status).toBe('active');
    expect(await outboxCount(contract.id, 'ContractSigned')).toBe(1);
    expect(await outboxCount(contract.id, 'ContractActivated')).toBe(1);
    expect(await outboxCount(contract.id, 'CustomerActivated')).toBeLessThanOrEqual(1);
    proxy.refuse();
  }, 60_000);

  it('expires a contract past its deadline that the platform still shows open, and voids it there', async () => {
    // Webhooks get through this time: the platform's own `voided`, for the void SignBridge asks, must not void it.
    proxy.accept();
    const deadline = new Date(Date.now() + 2_000);
    const { contract, status } = await sendContract(app.url, { extra: { expiresAt: deadline.toISOString() } });
    expect(status).toBe(201);

    await waitForStatus(app.url, `/api/v1/contracts/${contract.id}`, 'expired', 30_000);
    const platform = await sandbox.api<{ status: string }>('GET', `/v1/envelopes/${contract.envelopeId}`);
    expect(platform.body.status).toBe('voided');
    const expired = (await timeline(contract.id)).filter((e) => e.type === 'expired');
    expect(expired).toEqual([expect.objectContaining({ kind: 'reconciled', outcome: 'advanced' })]);
    const fromPlatform = await eventually(
      async () => (await timeline(contract.id)).find((e) => e.kind === 'provider_event' && e.type === 'voided'),
      { timeoutMs: 15_000, what: "the platform's voided webhook" },
    );
    expect(fromPlatform).toMatchObject({ outcome: 'anomaly' });
    expect((await api<{ status: string }>(app.url, 'GET', `/api/v1/contracts/${contract.id}`)).body.status).toBe(
      'expired',
    );
    expect(await outboxCount(contract.id, 'ContractExpired')).toBe(1);
    expect(await outboxCount(contract.id, 'ContractVoided')).toBe(0);
    proxy.refuse();
  }, 60_000);
});
