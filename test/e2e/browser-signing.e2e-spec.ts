import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { sendContract } from '../support/scenario';
import { samplePdfBase64, startTestSandbox, type TestSandbox } from '../support/sandbox';
import { api, startTestApp, waitForStatus, type TestApp } from '../support/test-app';

// Debian's Chromium (.ci/run installs it); Playwright never downloads a browser of its own here.
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** A person in a real browser: open the link from the invitation, get the code from the mailbox, sign or decline. */
describe('signing in a browser', () => {
  let sandbox: TestSandbox;
  let app: TestApp;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium (.ci/run does)`);
    sandbox = await startTestSandbox();
    app = await startTestApp({ env: { SANDBOX_URL: sandbox.url } });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      // Root in a container: no sandbox. The rest keeps Chromium off the (closed) network.
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });
  beforeEach(async () => {
    // A fresh context per test: its own profile, cookies and storage.
    page = await (await browser.newContext()).newPage();
  });
  afterEach(async () => {
    await page.context().close();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await sandbox?.close();
  });

  async function send(level: 'simple' | 'advanced') {
    const sent = await sendContract(app.url, { level, amountCents: 250_000, pdf: await samplePdfBase64('Browser', 2) });
    expect(sent.status).toBe(201);
    return sent;
  }

  it('signs with the one-time code from the mailbox page, and the customer turns active', async () => {
    const { customerId, contract } = await send('advanced');
    const [signer] = contract.signers;

    await page.goto(signer.signingUrl);
    await page.click('#send-code');
    await page.goto(`${sandbox.url}/mailbox?to=${encodeURIComponent(signer.email)}`);
    const code = (await page.locator('code.otp').first().textContent())?.trim() ?? '';
    expect(code).toMatch(/^\d{6}$/);

    await page.goto(signer.signingUrl);
    await page.fill('#code', code);
    await page.check('#consent');
    await page.click('#sign');
    await page.waitForSelector('#status');
    expect((await page.textContent('#status'))?.toLowerCase()).toContain('signed');

    await waitForStatus(app.url, `/api/v1/contracts/${contract.id}`, 'active');
    const customer = await waitForStatus<{ status: string }>(app.url, `/api/v1/customers/${customerId}`, 'active');
    expect(customer.status).toBe('active');
    const envelope = await api<{ signers: { signatureLevel: string; signedAt: string }[] }>(
      app.url,
      'GET',
      `/api/v1/contracts/${contract.id}`,
    );
    expect(envelope.body.signers[0]).toMatchObject({ signatureLevel: 'advanced' });
  });

  it('declines, and the customer stays pending', async () => {
    const { customerId, contract } = await send('simple');
    await page.goto(contract.signers[0].signingUrl);
    await page.fill('#decline-reason', 'The price is wrong');
    await page.click('#decline');
    await page.waitForSelector('#status');
    expect((await page.textContent('#status'))?.toLowerCase()).toContain('declined');

    await waitForStatus(app.url, `/api/v1/contracts/${contract.id}`, 'declined');
    const customer = await api<{ status: string }>(app.url, 'GET', `/api/v1/customers/${customerId}`);
    expect(customer.body.status).toBe('pending');
  });
});
