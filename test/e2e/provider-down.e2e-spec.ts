import type { DataSource } from 'typeorm';
import { createCustomer } from '../support/scenario';
import { samplePdfBase64 } from '../support/sandbox';
import { api, startTestApp, type TestApp } from '../support/test-app';
import { connectTestDatabase } from '../support/test-db';

/** With the platform unreachable, sending fails cleanly: a 502 to retry later, and nothing half-made. */
describe('sending while the signature platform is down', () => {
  let app: TestApp;
  let db: DataSource;

  beforeAll(async () => {
    // Port 9 (discard) has no listener here: every call is refused at once.
    app = await startTestApp({ env: { SANDBOX_URL: 'http://127.0.0.1:9', PROVIDER_TIMEOUT_MS: '2000' } });
    db = await connectTestDatabase();
  });
  afterAll(async () => {
    await app.close();
    await db.destroy();
  });

  it('answers 502 PROVIDER.UNAVAILABLE and creates no contract', async () => {
    const customerId = await createCustomer(app.url);
    const response = await api<{ code: string; detail: string }>(app.url, 'POST', '/api/v1/contracts', {
      customerId,
      provider: 'sandbox',
      title: 'Nowhere',
      document: { filename: 'a.pdf', contentBase64: await samplePdfBase64('Nowhere', 1) },
      signers: [{ email: 'y@example.test', name: 'Y' }],
      amount: { currency: 'EUR', amountCents: 1 },
    });
    expect(response.status).toBe(502);
    expect(response.body.code).toBe('PROVIDER.UNAVAILABLE');
    const contracts: unknown[] = await db.query(`SELECT 1 FROM contracts WHERE customer_id = $1`, [customerId]);
    expect(contracts).toHaveLength(0);
  });
});
