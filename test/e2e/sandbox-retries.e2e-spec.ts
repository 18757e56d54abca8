import { createCustomer } from '../support/scenario';
import { samplePdfBase64, startTestSandbox, type TestSandbox } from '../support/sandbox';
import { api, eventually, startTestApp, waitForStatus, type TestApp } from '../support/test-app';
import { TcpProxy } from '../support/tcp-proxy';
import { TEST_DATABASE_URL } from '../support/test-env';

interface Attempt {
  attempt: number;
  started_at: string;
  outcome: string;
  status_code: number | null;
}
interface Delivery {
  type: string;
  status: string;
  attempt_log: Attempt[];
}

const SCHEDULE_MS = [300, 600, 1000, 2000, 3000, 4000, 5000];

/** SignBridge answers 503 while it cannot store a delivery; the platform retries on its schedule until a 200. */
describe('webhook retries against SignBridge answering 503, then 200', () => {
  const target = new URL(TEST_DATABASE_URL);
  const proxy = new TcpProxy(target.hostname, Number(target.port || 5432));
  let sandbox: TestSandbox;
  let app: TestApp;

  beforeAll(async () => {
    sandbox = await startTestSandbox({
      SANDBOX_WEBHOOK_RETRY_SCHEDULE: SCHEDULE_MS.map((ms) => `${ms}ms`).join(','),
      SANDBOX_WEBHOOK_TIMEOUT_MS: '8000',
    });
    await proxy.up();
    const viaProxy = new URL(TEST_DATABASE_URL);
    viaProxy.port = String(proxy.port);
    app = await startTestApp({ env: { DATABASE_URL: viaProxy.toString(), SANDBOX_URL: sandbox.url } });
  });
  afterAll(async () => {
    await app.close();
    await proxy.down();
    await sandbox.close();
  });

  it('retries on schedule, logs each attempt, and the contract activates once SignBridge is back', async () => {
    const customerId = await createCustomer(app.url);
    const created = await api<{ id: string; envelopeId: string }>(app.url, 'POST', '/api/v1/contracts', {
      customerId,
      provider: 'sandbox',
      title: 'Retried',
      document: { filename: 'retried.pdf', contentBase64: await samplePdfBase64('Retried', 1) },
      signers: [{ email: `retry-${customerId.slice(0, 8)}@example.test`, name: 'Retry' }],
      amount: { currency: 'EUR', amountCents: 5000 },
    });
    expect(created.status).toBe(201);
    await waitForStatus(app.url, `/api/v1/contracts/${created.body.id}`, 'delivered');

    await proxy.down();
    const simulated = await sandbox.api('POST', `/v1/envelopes/${created.body.envelopeId}/simulate`, {
      action: 'sign',
    });
    expect(simulated.status).toBe(200);
    const completedLog = async () => {
      const log = await sandbox.api<{ items: Delivery[] }>(
        'GET',
        `/v1/webhook-deliveries?envelope_id=${created.body.envelopeId}&type=envelope.completed`,
      );
      return log.body.items[0];
    };
    await eventually(
      async () =>
        ((await completedLog())?.attempt_log.filter((a) => a.status_code === 503).length ?? 0) >= 2 || undefined,
      { timeoutMs: 20_000, what: 'two 503 answers to envelope.completed' },
    );
    await proxy.up(proxy.port);

    const delivered = await eventually(
      async () => {
        const delivery = await completedLog();
        return delivery?.status === 'delivered' ? delivery : undefined;
      },
      { timeoutMs: 30_000, what: 'envelope.completed to be delivered' },
    );
    const attempts = delivered.attempt_log.sort((a, b) => a.attempt - b.attempt);
    expect(attempts.map((a) => a.attempt)).toEqual(attempts.map((_, i) => i + 1));
    expect(attempts.at(-1)).toMatchObject({ outcome: 'delivered', status_code: 200 });
    expect(attempts.slice(0, -1).every((a) => a.status_code === 503 || a.outcome === 'timeout')).toBe(true);
    for (let i = 1; i < attempts.length; i++) {
      const gap = Date.parse(attempts[i].started_at) - Date.parse(attempts[i - 1].started_at);
      // Never earlier than the schedule says (jitter is off here); a little slack for the poll interval.
      expect(gap).toBeGreaterThanOrEqual(SCHEDULE_MS[i - 1] - 20);
    }
    await waitForStatus(app.url, `/api/v1/contracts/${created.body.id}`, 'active', 20_000);
  });
});
