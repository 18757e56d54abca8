import { verifySignatureHeader } from '@app/common';
import { ErpReceiver } from '../support/erp-receiver';
import { ProvisioningTarget, type ScriptedAnswer } from '../support/provisioning-target';
import { createCustomer } from '../support/scenario';
import { pdfText, startTestSmtpServer, type TestSmtpServer } from '../support/invoicing';
import { samplePdfBase64, startTestSandbox, type TestSandbox } from '../support/sandbox';
import { api, eventually, startTestApp, waitForStatus, type TestApp } from '../support/test-app';

const SECRET = 'provisioning-e2e-secret-0123456789';

interface Order {
  id: string;
  action: string;
  kind: string;
  status: string;
  attempts: number;
  resultRef: string | null;
}

/**
 * Signed on the sandbox platform → archived → active → the first invoice issued and mailed, an account and a
 * warehouse order, each exactly once, all on the timeline and in a verifying audit log.
 */
describe('invoicing and provisioning after signing, through the sandbox platform', () => {
  const accounts = new ProvisioningTarget('accounts');
  const warehouse = new ProvisioningTarget('orders');
  let sandbox: TestSandbox;
  let app: TestApp;
  let smtp: TestSmtpServer;
  /** The ERP, told of every domain event through a webhook endpoint. */
  const erp = new ErpReceiver();
  let erpSecret: string;
  let endpointId: string;

  beforeAll(async () => {
    await Promise.all([accounts.start(), warehouse.start(), erp.start()]);
    smtp = await startTestSmtpServer();
    sandbox = await startTestSandbox();
    app = await startTestApp({
      env: {
        SANDBOX_URL: sandbox.url,
        PROVISIONING_ACCESS_CREDENTIALS_URL: accounts.url,
        PROVISIONING_WAREHOUSE_ORDER_URL: warehouse.url,
        PROVISIONING_SECRET: SECRET,
        PROVISIONING_BACKOFF_MS: '100',
        SMTP_URL: smtp.url,
      },
    });
    const endpoint = await api<{ id: string; secret: string }>(app.url, 'POST', '/api/v1/webhook-endpoints', {
      url: erp.url('/erp/events'),
      eventTypes: ['*'],
    });
    expect(endpoint.status).toBe(201);
    erpSecret = endpoint.body.secret;
    endpointId = endpoint.body.id;
  });
  afterAll(async () => {
    await api(app.url, 'PATCH', `/api/v1/webhook-endpoints/${endpointId}`, { enabled: false });
    await app.close();
    await sandbox.close();
    await Promise.all([accounts.stop(), warehouse.stop(), erp.stop()]);
    await smtp.close();
  });

  /** The contract's audit-log actions, once `action` is among them twice (the auditor appends in batches). */
  const auditedWhenTwice = (contractId: string, action: string) =>
    eventually(async () => {
      const res = await api<{ items: { action: string }[] }>(
        app.url,
        'GET',
        `/api/v1/audit-log?subject=contract:${contractId}&limit=100`,
      );
      const actions = res.body.items.map((e) => e.action);
      return actions.filter((a) => a === action).length === 2 ? actions : undefined;
    });

  /**
   * A contract with both provisioning actions (and billing if given), sent through SignBridge and signed on the
   * sandbox; the warehouse's first answers for it scripted before the signature.
   */
  async function sendAndSign(
    title: string,
    options: { billing?: Record<string, unknown>; warehouseScript: ScriptedAnswer[] },
  ): Promise<{ customerId: string; contractId: string }> {
    const customerId = await createCustomer(app.url);
    const tag = customerId.slice(0, 8);
    const sent = await api<{ id: string; envelopeId: string; signers: { email: string }[] }>(
      app.url,
      'POST',
      '/api/v1/contracts',
      {
        customerId,
        provider: 'sandbox',
        title: `${title} ${tag}`,
        document: { filename: 'agreement.pdf', contentBase64: await samplePdfBase64(title, 1) },
        signers: [{ email: `pv-${tag}@example.test`, name: 'Ana García' }],
        amount: { currency: 'EUR', amountCents: 50_000 },
        ...(options.billing ? { billing: options.billing } : {}),
        provisioning: [
          { action: 'access-credentials', params: { plan: 'pro', seats: 3 } },
          { action: 'warehouse-order', params: { items: [{ sku: 'ROUTER-1', qty: 1 }] } },
        ],
      },
    );
    expect(sent.status).toBe(201);
    warehouse.script(sent.body.id, options.warehouseScript);
    const signed = await sandbox.api('POST', `/v1/envelopes/${sent.body.envelopeId}/simulate`, {
      action: 'sign',
      signer: sent.body.signers[0].email,
    });
    expect(signed.status).toBe(200);
    return { customerId, contractId: sent.body.id };
  }

  it('issues and mails the first invoice, creates the account and places the order, on the timeline and in the audit log', async () => {
    const { customerId, contractId } = await sendAndSign('Provisioning', {
      billing: {
        lines: [{ description: 'Router service, first month', quantity: 1, unitPriceCents: 4_990, vatRate: 21 }],
        // The customer was registered without one; the invoice must carry a postal address.
        party: { address: { line1: 'Calle Mayor 1', city: 'Madrid', postalCode: '28013', country: 'ES' } },
      },
      // The warehouse hiccups once: the run retries on its own.
      warehouseScript: [{ status: 503 }],
    });
    await waitForStatus(app.url, `/api/v1/contracts/${contractId}`, 'active', 30_000);

    const orders = await eventually(
      async () => {
        const res = await api<{ items: Order[] }>(
          app.url,
          'GET',
          `/api/v1/provisioning-orders?contractId=${contractId}`,
        );
        const done = res.body.items.filter((o) => o.status === 'succeeded');
        return done.length === 2 ? res.body.items : undefined;
      },
      { timeoutMs: 20_000, what: 'both provisioning runs to succeed' },
    );
    const byAction = Object.fromEntries(orders.map((o) => [o.action, o]));
    expect(byAction['access-credentials']).toMatchObject({
      kind: 'provision',
      attempts: 1,
      resultRef: expect.stringMatching(/^acc-/),
    });
    expect(byAction['warehouse-order']).toMatchObject({
      kind: 'provision',
      attempts: 2,
      resultRef: expect.stringMatching(/^WO-/),
    });

    const accountCalls = accounts.callsFor(contractId);
    expect(accountCalls).toHaveLength(1);
    expect(accountCalls[0].body).toMatchObject({
      customer: { id: customerId, name: expect.stringMatching(/^Customer /), email: expect.stringContaining('@') },
      params: { plan: 'pro', seats: 3 },
    });
    expect(
      verifySignatureHeader(
        SECRET,
        accountCalls[0].rawBody,
        String(accountCalls[0].headers['x-signbridge-signature']),
        Math.floor(accountCalls[0].at / 1000),
      ),
    ).toBe(true);
    expect(accounts.state.get(byAction['access-credentials'].resultRef ?? '')).toBe('active');
    const warehouseCalls = warehouse.callsFor(contractId);
    expect(warehouseCalls).toHaveLength(2);
    expect(new Set(warehouseCalls.map((c) => c.headers['idempotency-key']))).toEqual(
      new Set([byAction['warehouse-order'].id]),
    );
    expect([...warehouse.created.values()].filter((id) => id === byAction['warehouse-order'].resultRef)).toHaveLength(
      1,
    );

    const timeline = await api<{ items: { type: string; detail: { action?: string } }[] }>(
      app.url,
      'GET',
      `/api/v1/contracts/${contractId}/timeline`,
    );
    const provisioned = timeline.body.items.filter((i) => i.type === 'service_provisioned');
    expect(provisioned.map((i) => i.detail.action).sort()).toEqual(['access-credentials', 'warehouse-order']);

    // The first invoice: issued once, mailed with its PDF, both on the timeline.
    const invoice = await eventually(
      async () => {
        const res = await api<{
          items: { id: string; number: string; status: string; total: { amountCents: number } }[];
        }>(app.url, 'GET', `/api/v1/invoices?contractId=${contractId}`);
        return res.body.items.length === 1 && res.body.items[0].status === 'sent' ? res.body.items[0] : undefined;
      },
      { what: 'the first invoice to be sent' },
    );
    expect(invoice.total.amountCents).toBe(6_038);
    const mail = smtp.messages.find((m) => m.messageId === `<${invoice.id}@signbridge>`);
    const attachment = mail?.attachments.find((a) => a.contentType === 'application/pdf');
    expect(attachment).toBeDefined();
    const text = await pdfText(attachment!.content);
    expect(text).toContain(invoice.number);
    expect(text).toContain('60.38');
    const withInvoice = await api<{ items: { type: string }[] }>(
      app.url,
      'GET',
      `/api/v1/contracts/${contractId}/timeline`,
    );
    expect(withInvoice.body.items.map((i) => i.type)).toEqual(
      expect.arrayContaining(['invoice_issued', 'invoice_sent']),
    );
    await waitForStatus(app.url, `/api/v1/customers/${customerId}`, 'active');

    const audited = await auditedWhenTwice(contractId, 'ServiceProvisioned');
    expect(audited).toContain('ContractActivated');
    expect((await api<{ valid: boolean }>(app.url, 'GET', '/api/v1/audit-log/verify')).body.valid).toBe(true);

    // The ERP was told, once per event, each call signed with the endpoint's secret.
    const told = await eventually(
      async () => {
        const calls = erp.calls.filter((c) => [contractId, customerId, invoice.id].includes(c.body.aggregateId));
        const types = calls.map((c) => c.body.type);
        return types.includes('InvoiceSent') && types.filter((t) => t === 'ServiceProvisioned').length === 2
          ? calls
          : undefined;
      },
      { what: 'the ERP to be told of the invoice mailed and both provisioning runs' },
    );
    expect(told.map((c) => c.body.type)).toEqual(
      expect.arrayContaining([
        'ContractSigned',
        'DocumentsArchived',
        'ContractActivated',
        'CustomerActivated',
        'InvoiceIssued',
        'InvoiceSent',
      ]),
    );
    expect(new Set(told.map((c) => c.body.id)).size).toBe(told.length);
    for (const call of told) {
      const signature = String(call.headers['x-signbridge-signature']);
      expect(verifySignatureHeader(erpSecret, call.rawBody, signature, Math.floor(call.at / 1000))).toBe(true);
    }
  });

  it('voids an active contract at once: the account disabled and the order cancelled, even one still in flight', async () => {
    // The warehouse holds its first answer (a 503) until the void is done: the provision run is still under way
    // when the reversal is created, so the reversal has to wait for it.
    let voidDone: () => void = () => undefined;
    const afterVoid = new Promise<void>((resolve) => (voidDone = resolve));
    const { contractId } = await sendAndSign('Void after signing', {
      warehouseScript: [{ status: 503, until: afterVoid }],
    });
    await waitForStatus(app.url, `/api/v1/contracts/${contractId}`, 'active', 30_000);
    const ordersOf = async () =>
      (await api<{ items: Order[] }>(app.url, 'GET', `/api/v1/provisioning-orders?contractId=${contractId}`)).body
        .items;
    await eventually(async () =>
      (await ordersOf()).some((o) => o.action === 'access-credentials' && o.status === 'succeeded') ? true : undefined,
    );

    const voided = await api<{ status: string }>(app.url, 'POST', `/api/v1/contracts/${contractId}/void`, {
      reason: 'Customer withdrew',
    });
    expect(voided.status).toBe(202);
    expect(voided.body.status).toBe('voided');
    expect((await ordersOf()).find((o) => o.action === 'warehouse-order')?.status).toBe('running');
    // Voiding again changes nothing.
    const again = await api<{ status: string }>(app.url, 'POST', `/api/v1/contracts/${contractId}/void`, {});
    expect(again.body.status).toBe('voided');

    await eventually(async () =>
      (await ordersOf()).some((o) => o.action === 'warehouse-order' && o.kind === 'reverse') ? true : undefined,
    );
    voidDone();
    const orders = await eventually(
      async () => {
        const all = await ordersOf();
        const reversed = all.filter((o) => o.kind === 'reverse' && o.status === 'succeeded');
        return reversed.length === 2 ? all : undefined;
      },
      { timeoutMs: 20_000, what: 'both reversals to succeed' },
    );
    expect(orders).toHaveLength(4);
    const provisions = Object.fromEntries(orders.filter((o) => o.kind === 'provision').map((o) => [o.action, o]));
    expect(provisions['warehouse-order']).toMatchObject({ status: 'succeeded', attempts: 2 });
    expect(accounts.state.get(provisions['access-credentials'].resultRef ?? '')).toBe('disabled');
    expect(warehouse.state.get(provisions['warehouse-order'].resultRef ?? '')).toBe('cancelled');
    // The cancellation waited for the order it cancels.
    const warehousePaths = warehouse.callsFor(contractId).map((c) => c.path);
    expect(warehousePaths).toEqual(['/orders', '/orders', expect.stringMatching(/^\/orders\/.+\/cancel$/)]);

    const timeline = await api<{ items: { type: string; statusAfter: string }[] }>(
      app.url,
      'GET',
      `/api/v1/contracts/${contractId}/timeline`,
    );
    expect(timeline.body.items.filter((i) => i.type === 'voided_after_signing')).toEqual([
      expect.objectContaining({ statusAfter: 'voided' }),
    ]);
    const audited = await auditedWhenTwice(contractId, 'ServiceDeprovisioned');
    expect(audited.filter((a) => a === 'ContractVoided')).toHaveLength(1);
    expect((await api<{ valid: boolean }>(app.url, 'GET', '/api/v1/audit-log/verify')).body.valid).toBe(true);
  });
});
