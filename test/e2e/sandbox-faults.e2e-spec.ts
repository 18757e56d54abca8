import { freePort } from '../support/free-port';
import type { DataSource } from 'typeorm';
import { createCustomer } from '../support/scenario';
import { samplePdfBase64, startTestSandbox, type TestSandbox } from '../support/sandbox';
import { api, eventually, startTestApp, type TestApp } from '../support/test-app';
import { connectTestDatabase } from '../support/test-db';

type Outcome = 'sign' | 'decline' | 'void' | 'expire';
const EXPECTED: Record<Outcome, string> = { sign: 'active', decline: 'declined', void: 'voided', expire: 'expired' };

interface Sent {
  id: string;
  customerId: string;
  envelopeId: string;
  outcome: Outcome;
}

/**
 * The platform misbehaves the way real ones do: every webhook twice, in shuffled order, every first attempt
 * lost; and SignBridge is down for a while in the middle. Every contract must still end in its right state,
 * each effect exactly once.
 */
describe('through a misbehaving platform, with SignBridge restarted mid-way', () => {
  let sandbox: TestSandbox;
  let app: TestApp;
  let db: DataSource;
  let port: number;
  // The restarted app sweeps what the stopped one left in its inbox; a short grace makes that quick.
  const env = () => ({ SANDBOX_URL: sandbox.url, SWEEP_GRACE_MS: '2000' });

  beforeAll(async () => {
    sandbox = await startTestSandbox({
      SANDBOX_FAULTS: 'duplicate,shuffle=300,drop-first',
      SANDBOX_WEBHOOK_RETRY_SCHEDULE: '300ms,600ms,1s,2s,3s,4s,5s,5s,5s',
    });
    port = await freePort();
    app = await startTestApp({ port, env: env() });
    db = await connectTestDatabase();
  });
  afterAll(async () => {
    await app.close();
    await sandbox.close();
    await db.destroy();
  });

  it('ends every contract in its right state, each exactly once', async () => {
    const pdf = await samplePdfBase64('Faulty', 1);
    const outcomes: Outcome[] = ['sign', 'sign', 'sign', 'decline', 'decline', 'void', 'expire', 'sign'];
    const sent: Sent[] = [];
    for (const [i, outcome] of outcomes.entries()) {
      const customerId = await createCustomer(app.url);
      const response = await api<{ id: string; envelopeId: string }>(app.url, 'POST', '/api/v1/contracts', {
        customerId,
        provider: 'sandbox',
        title: `Faulty ${i}`,
        document: { filename: `faulty-${i}.pdf`, contentBase64: pdf },
        signers: [{ email: `faulty-${i}-${customerId.slice(0, 8)}@example.test`, name: `Signer ${i}` }],
        amount: { currency: 'EUR', amountCents: 1000 + i },
      });
      expect(response.status).toBe(201);
      sent.push({ id: response.body.id, customerId, envelopeId: response.body.envelopeId, outcome });
    }

    // Half the outcomes happen while SignBridge is up, half while it is down: those webhooks must wait for it.
    const act = async (contract: Sent) => {
      if (contract.outcome === 'void') {
        expect((await api(app.url, 'POST', `/api/v1/contracts/${contract.id}/void`, {})).status).toBe(202);
        return;
      }
      const simulated = await sandbox.api('POST', `/v1/envelopes/${contract.envelopeId}/simulate`, {
        action: contract.outcome,
        ip: '198.51.100.7',
      });
      expect(simulated.status).toBe(200);
    };
    const [early, late] = [sent.slice(0, 4), sent.slice(4)];
    for (const contract of early) await act(contract);
    for (const contract of late.filter((c) => c.outcome === 'void')) await act(contract);

    await app.close();
    for (const contract of late.filter((c) => c.outcome !== 'void')) await act(contract);
    // Let the first retries hit a closed port before SignBridge comes back on the same address.
    await eventually(
      async () => {
        const log = await sandbox.api<{ items: { attempt_log: { outcome: string }[] }[] }>(
          'GET',
          '/v1/webhook-deliveries?status=pending&limit=200',
        );
        const refused = log.body.items.some((d) => d.attempt_log.some((a) => a.outcome === 'network_error'));
        return refused ? true : undefined;
      },
      { what: 'a webhook attempt to fail while SignBridge is down' },
    );
    app = await startTestApp({ port, env: env() });

    for (const contract of sent) {
      await eventually(
        async () => {
          const res = await api<{ status: string }>(app.url, 'GET', `/api/v1/contracts/${contract.id}`);
          return res.body.status === EXPECTED[contract.outcome] ? true : undefined;
        },
        {
          timeoutMs: 45_000,
          what: `contract ${contract.id} (${contract.outcome}) to be ${EXPECTED[contract.outcome]}`,
        },
      );
    }

    const ids = sent.map((c) => c.id);
    // Each domain effect once, whatever the duplicates and the order.
    const events: { aggregate_id: string; type: string; n: string }[] = await db.query(
      `SELECT aggregate_id, type, count(*) AS n FROM outbox WHERE aggregate_id = ANY($1) GROUP BY 1, 2`,
      [ids],
    );
    for (const contract of sent) {
      const activations = events.find((e) => e.aggregate_id === contract.id && e.type === 'ContractActivated');
      expect(Number(activations?.n ?? 0)).toBe(contract.outcome === 'sign' ? 1 : 0);
      const customer = await api<{ status: string }>(app.url, 'GET', `/api/v1/customers/${contract.customerId}`);
      expect(customer.body.status).toBe(contract.outcome === 'sign' ? 'active' : 'pending');
    }
    // Every delivery was stored once, however often it arrived.
    const inbound: { provider_event_id: string; n: string }[] = await db.query(
      `SELECT provider_event_id, count(*) AS n FROM inbound_events WHERE envelope_id = ANY($1) GROUP BY 1`,
      [sent.map((c) => c.envelopeId)],
    );
    expect(inbound.every((r) => Number(r.n) === 1)).toBe(true);
    const log = await sandbox.api<{ items: { attempt_log: { duplicate: boolean; outcome: string }[] }[] }>(
      'GET',
      '/v1/webhook-deliveries?limit=200',
    );
    const attempts = log.body.items.flatMap((d) => d.attempt_log);
    expect(attempts.some((a) => a.outcome === 'dropped')).toBe(true);
    expect(attempts.some((a) => a.duplicate)).toBe(true);
  });
});
