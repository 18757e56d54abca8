import { createHash } from 'node:crypto';
import { PDFDocument } from 'pdf-lib';
import type { DataSource } from 'typeorm';
import { createCustomer, sendContract, type SentContract } from '../support/scenario';
import { mailbox, samplePdfBase64, signOnPage, startTestSandbox, type TestSandbox } from '../support/sandbox';
import {
  api,
  eventually,
  startTestApp,
  TEST_ADMIN_KEY,
  TEST_SANDBOX_API_KEY,
  waitForStatus,
  type TestApp,
} from '../support/test-app';
import { connectTestDatabase } from '../support/test-db';

interface Delivery {
  id: string;
  type: string;
  status: string;
  body: { type: string; data: Record<string, unknown> };
  attempt_log: { attempt: number; started_at: string; outcome: string; status_code: number | null }[];
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** SignBridge sends a PDF through the sandbox platform; a person signs; the customer turns active. */
describe('sending a contract for signature through the sandbox platform', () => {
  let sandbox: TestSandbox;
  let app: TestApp;
  let db: DataSource;
  let pdf: string;

  beforeAll(async () => {
    sandbox = await startTestSandbox();
    app = await startTestApp({ env: { SANDBOX_URL: sandbox.url } });
    db = await connectTestDatabase();
    pdf = await samplePdfBase64();
  });
  afterAll(async () => {
    await app.close();
    await sandbox.close();
    await db.destroy();
  });

  const send = (level: 'simple' | 'advanced' | 'qualified', signers = 1, headers: Record<string, string> = {}) =>
    sendContract(app.url, { level, signers, headers, pdf });

  it('creates the envelope, answers with its id and a signing link per signer, and activates the customer once signed', async () => {
    const { customerId, status, contract } = await send('advanced', 2);
    expect(status).toBe(201);
    // The answer shows the contract as it stands when read back: the platform's `envelope.delivered`, parked until
    // the registration commits, may already have been applied by then (the sandbox delivers at once).
    expect(['sent', 'delivered']).toContain(contract.status);
    expect(contract.envelopeId).toMatch(/^env_/);
    expect(contract.document?.sha256).toBe(sha256(Buffer.from(pdf, 'base64')));
    for (const signer of contract.signers) expect(signer.signingUrl).toMatch(new RegExp(`^${sandbox.url}/sign/`));

    const envelope = await sandbox.api<{ status: string; signers: { email: string }[] }>(
      'GET',
      `/v1/envelopes/${contract.envelopeId}`,
    );
    expect(envelope.body.status).toBe('sent');
    expect(envelope.body.signers.map((s) => s.email)).toEqual(contract.signers.map((s) => s.email));
    // The invitation went to the signer's inbox with the link SignBridge returned.
    const invitation = (await mailbox(sandbox.url, contract.signers[0].email)).find((m) => m.kind === 'invitation');
    expect(invitation?.text).toContain(contract.signers[0].signingUrl);

    for (const signer of contract.signers) {
      const signed = await signOnPage(sandbox.url, signer.signingUrl as string, signer, 'advanced');
      expect(signed.status).toBeLessThan(400);
    }
    await waitForStatus(app.url, `/api/v1/contracts/${contract.id}`, 'active');
    const customer = await waitForStatus<{ status: string }>(app.url, `/api/v1/customers/${customerId}`, 'active');
    expect(customer.status).toBe('active');

    const timeline = await api<{ items: { type: string; outcome: string }[] }>(
      app.url,
      'GET',
      `/api/v1/contracts/${contract.id}/timeline`,
    );
    const types = timeline.body.items.map((i) => i.type);
    expect(types).toEqual(expect.arrayContaining(['registered', 'sent', 'delivered', 'opened', 'completed']));
    expect(types.filter((t) => t === 'signer_signed')).toHaveLength(2);

    // One send, one ContractSent: SignBridge records the platform's instant, which its envelope.sent repeats.
    const created = await sandbox.api<{ created_at: string }>('GET', `/v1/envelopes/${contract.envelopeId}`);
    const sends: { at: string }[] = await db.query(
      `SELECT payload->>'at' AS at FROM outbox WHERE aggregate_id = $1 AND type = 'ContractSent'`,
      [contract.id],
    );
    expect(sends).toEqual([{ at: created.body.created_at }]);
  });

  it('serves a signed PDF that parses, whose SHA-256 matches the header, the envelope and the completed webhook', async () => {
    const { contract } = await send('simple');
    await signOnPage(sandbox.url, contract.signers[0].signingUrl as string, contract.signers[0], 'simple');
    await waitForStatus(app.url, `/api/v1/contracts/${contract.id}`, 'active');

    const response = await fetch(`${sandbox.url}/v1/envelopes/${contract.envelopeId}/documents/signed`, {
      headers: { authorization: `Bearer ${TEST_SANDBOX_API_KEY}` },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/pdf');
    const bytes = Buffer.from(await response.arrayBuffer());
    const signed = await PDFDocument.load(bytes);
    const original = await PDFDocument.load(Buffer.from(pdf, 'base64'));
    expect(signed.getPageCount()).toBe(original.getPageCount() + 1);

    const hash = sha256(bytes);
    expect(response.headers.get('x-content-sha256')).toBe(hash);
    expect(response.headers.get('repr-digest')).toBe(
      `sha-256=:${createHash('sha256').update(bytes).digest('base64')}:`,
    );
    const envelope = await sandbox.api<{ documents: { signed: { sha256: string } } }>(
      'GET',
      `/v1/envelopes/${contract.envelopeId}`,
    );
    expect(envelope.body.documents.signed.sha256).toBe(hash);
    // What SignBridge received in the envelope.completed webhook, byte for byte.
    const received = await api<{ items: { providerType: string; body: string }[] }>(
      app.url,
      'GET',
      `/api/v1/inbound-events?envelopeId=${contract.envelopeId}`,
    );
    const completed = received.body.items.find((e) => e.providerType === 'envelope.completed');
    expect(JSON.parse(completed?.body ?? '{}').data.signed_document_sha256).toBe(hash);
  });

  it('sends once per Idempotency-Key, even when the first answer was lost after the envelope was made', async () => {
    const customerId = await createCustomer(app.url);
    const body = {
      customerId,
      provider: 'sandbox',
      title: 'Idempotent agreement',
      document: { filename: 'idem.pdf', contentBase64: pdf },
      signers: [{ email: `idem-${customerId.slice(0, 8)}@example.test`, name: 'Idem' }],
      amount: { currency: 'EUR', amountCents: 1000 },
    };
    const post = () =>
      fetch(`${app.url}/api/v1/contracts`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${TEST_ADMIN_KEY}`,
          'content-type': 'application/json',
          'idempotency-key': `send-${customerId}`,
        },
        body: JSON.stringify(body),
      });
    const first = await post();
    expect(first.status).toBe(201);
    const firstBody = (await first.json()) as SentContract;
    const again = await post();
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(((await again.json()) as SentContract).id).toBe(firstBody.id);

    // As if SignBridge had crashed after the platform made the envelope, before the answer was stored: the key
    // is free again, the request runs again, and the platform's own idempotency returns the same envelope.
    await db.query(`DELETE FROM idempotency_keys WHERE key = $1`, [`send-${customerId}`]);
    const rerun = await post();
    expect(rerun.status).toBe(201);
    expect(rerun.headers.get('idempotent-replayed')).toBeNull();
    expect(((await rerun.json()) as SentContract).id).toBe(firstBody.id);

    const contracts: unknown[] = await db.query(`SELECT 1 FROM contracts WHERE customer_id = $1`, [customerId]);
    expect(contracts).toHaveLength(1);
    const invitations = (await mailbox(sandbox.url, body.signers[0].email)).filter((m) => m.kind === 'invitation');
    expect(invitations).toHaveLength(1);
  });

  it('accepts the PDF as a multipart upload, fingerprinted for Idempotency-Key like a JSON body', async () => {
    const customerId = await createCustomer(app.url);
    const upload = (title: string) => {
      const form = new FormData();
      form.append(
        'contract',
        JSON.stringify({
          customerId,
          provider: 'sandbox',
          title,
          signers: [{ email: `upload-${customerId.slice(0, 8)}@example.test`, name: 'Upload' }],
          amount: { currency: 'EUR', amountCents: 4200 },
        }),
      );
      form.append('document', new Blob([Buffer.from(pdf, 'base64')], { type: 'application/pdf' }), 'uploaded.pdf');
      return fetch(`${app.url}/api/v1/contracts`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'idempotency-key': `upload-${customerId}` },
        body: form,
      });
    };
    const created = await upload('Uploaded agreement');
    expect(created.status).toBe(201);
    const contract = (await created.json()) as SentContract;
    expect(contract.document).toEqual({ filename: 'uploaded.pdf', sha256: sha256(Buffer.from(pdf, 'base64')) });
    expect(contract.signers[0].signingUrl).toMatch(/\/sign\//);
    const reused = await upload('Another title');
    expect(reused.status).toBe(422);

    const missingFile = new FormData();
    missingFile.append('contract', JSON.stringify({ customerId }));
    const refused = await fetch(`${app.url}/api/v1/contracts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` },
      body: missingFile,
    });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { detail: string }).detail).toContain('document');

    // The JSON field is parsed without Fastify's JSON parser: its hostile keys and text are refused all the same.
    for (const [json, detail] of [
      [`{"__proto__":{"x":1},"customerId":"${customerId}"}`, 'body: has a __proto__ key'],
      [`{"customerId":"${customerId}","title":"a\\u0000"}`, 'title: must not contain the NUL character'],
    ]) {
      const hostile = new FormData();
      hostile.append('contract', json);
      hostile.append('document', new Blob([Buffer.from(pdf, 'base64')], { type: 'application/pdf' }), 'h.pdf');
      const answer = await fetch(`${app.url}/api/v1/contracts`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` },
        body: hostile,
      });
      expect(answer.status).toBe(400);
      expect(((await answer.json()) as { detail: string }).detail).toBe(detail);
    }
  });

  it('applies an envelope.sent that arrived before the contract was registered (the race, forced)', async () => {
    await sandbox.api('PUT', '/v1/faults', { deliver_before_response: true });
    let sent: SentContract;
    try {
      const result = await send('simple');
      expect(result.status).toBe(201);
      sent = result.contract;
    } finally {
      await sandbox.api('PUT', '/v1/faults', { deliver_before_response: false });
    }
    const rows: { status: string; received_at: Date; contract_created: Date }[] = await db.query(
      `SELECT e.status, e.received_at, c.created_at AS contract_created
         FROM inbound_events e JOIN contracts c ON c.envelope_id = e.envelope_id AND c.provider = e.provider
        WHERE e.envelope_id = $1 AND e.provider_type = 'envelope.sent'`,
      [sent.envelopeId],
    );
    expect(rows).toHaveLength(1);
    // Stored before the contract existed, so it was parked; then applied when the contract was registered.
    expect(rows[0].received_at.getTime()).toBeLessThan(rows[0].contract_created.getTime());
    await eventually(
      async () => {
        const [row]: { status: string }[] = await db.query(
          `SELECT status FROM inbound_events WHERE envelope_id = $1 AND provider_type = 'envelope.sent'`,
          [sent.envelopeId],
        );
        return row.status === 'processed' ? row : undefined;
      },
      { what: 'the parked envelope.sent to be applied' },
    );
    const timeline = await api<{ items: { type: string; inboundEventId: string | null }[] }>(
      app.url,
      'GET',
      `/api/v1/contracts/${sent.id}/timeline`,
    );
    expect(timeline.body.items.filter((i) => i.type === 'sent' && i.inboundEventId !== null)).toHaveLength(1);
  });

  it('voids through the platform: 202, then voided when the event arrives; a signed one at once; a declined one never', async () => {
    const { contract } = await send('simple');
    const voided = await api<SentContract>(app.url, 'POST', `/api/v1/contracts/${contract.id}/void`, {
      reason: 'Customer changed plan',
    });
    expect(voided.status).toBe(202);
    expect(voided.body.voidRequestedAt).not.toBeNull();
    await waitForStatus(app.url, `/api/v1/contracts/${contract.id}`, 'voided');
    expect((await api(app.url, 'POST', `/api/v1/contracts/${contract.id}/void`, {})).status).toBe(202);
    const envelope = await sandbox.api<{ status: string; reason: string }>(
      'GET',
      `/v1/envelopes/${contract.envelopeId}`,
    );
    expect(envelope.body).toMatchObject({ status: 'voided', reason: 'Customer changed plan' });

    const signed = (await send('simple')).contract;
    await signOnPage(sandbox.url, signed.signers[0].signingUrl as string, signed.signers[0], 'simple');
    await waitForStatus(app.url, `/api/v1/contracts/${signed.id}`, 'active');
    // Signed by everyone: the platform's envelope is complete, so SignBridge voids the contract itself, at once.
    const afterSigning = await api<SentContract>(app.url, 'POST', `/api/v1/contracts/${signed.id}/void`, {});
    expect(afterSigning.status).toBe(202);
    expect(afterSigning.body.status).toBe('voided');
    const completed = await sandbox.api<{ status: string }>('GET', `/v1/envelopes/${signed.envelopeId}`);
    expect(completed.body.status).toBe('completed');

    const declined = (await send('simple')).contract;
    await sandbox.api('POST', `/v1/envelopes/${declined.envelopeId}/simulate`, { action: 'decline' });
    await waitForStatus(app.url, `/api/v1/contracts/${declined.id}`, 'declined');
    const refused = await api<{ code: string }>(app.url, 'POST', `/api/v1/contracts/${declined.id}/void`, {});
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('CONTRACT.NOT_VOIDABLE');
  });

  it('refuses bad input before anything reaches the platform', async () => {
    const customerId = await createCustomer(app.url);
    const base = {
      customerId,
      provider: 'sandbox',
      title: 'Bad',
      signers: [{ email: 'x@example.test', name: 'X' }],
      amount: { currency: 'EUR', amountCents: 1 },
    };
    const notPdf = await api<{ code: string; detail: string }>(app.url, 'POST', '/api/v1/contracts', {
      ...base,
      document: { filename: 'a.pdf', contentBase64: Buffer.from('hello, not a pdf').toString('base64') },
    });
    expect(notPdf.status).toBe(400);
    expect(notPdf.body.detail).toContain('not a PDF');
    const both = await api<{ code: string }>(app.url, 'POST', '/api/v1/contracts', {
      ...base,
      envelopeId: 'env_x',
      document: { filename: 'a.pdf', contentBase64: pdf },
    });
    expect(both.status).toBe(400);
    const unknownCustomer = await api<{ code: string }>(app.url, 'POST', '/api/v1/contracts', {
      ...base,
      customerId: '00000000-0000-4000-8000-000000000000',
      document: { filename: 'a.pdf', contentBase64: pdf },
    });
    expect(unknownCustomer.status).toBe(404);
    // Refused by the rules registration applies (plan catalogue, invoice address, provisioning), asked before sending.
    for (const [overrides, field] of [
      [{ billing: { plan: 'platinum' } }, 'billing.plan'],
      // The customer was registered without a postal address, which its invoice would have to carry.
      [{ billing: { plan: 'basic' } }, 'billing.party.address'],
      [{ provisioning: [{ action: 'warehouse-order' }, { action: 'warehouse-order' }] }, 'provisioning'],
      [{ signers: [base.signers[0], { email: 'X@example.test', name: 'X again' }] }, 'signers'],
    ] as const) {
      const refused = await api<{ code: string; field: string }>(app.url, 'POST', '/api/v1/contracts', {
        ...base,
        ...overrides,
        document: { filename: 'a.pdf', contentBase64: pdf },
      });
      expect({ status: refused.status, code: refused.body.code, field: refused.body.field }).toEqual({
        status: 400,
        code: 'CONTRACT.INVALID',
        field,
      });
    }
    expect(await mailbox(sandbox.url, 'x@example.test')).toEqual([]);
  });

  it('logs every webhook attempt at the sandbox', async () => {
    const { contract } = await send('simple');
    const deliveries = await eventually(
      async () => {
        const log = await sandbox.api<{ items: Delivery[] }>(
          'GET',
          `/v1/webhook-deliveries?envelope_id=${contract.envelopeId}`,
        );
        const all = log.body.items;
        return all.length >= 2 && all.every((d) => d.status === 'delivered') ? all : undefined;
      },
      { what: 'sent and delivered webhooks to be delivered' },
    );
    expect(deliveries.map((d) => d.type).sort()).toEqual(['envelope.delivered', 'envelope.sent']);
    for (const delivery of deliveries) {
      expect(delivery.attempt_log).toHaveLength(1);
      expect(delivery.attempt_log[0]).toMatchObject({ attempt: 1, outcome: 'delivered', status_code: 200 });
    }
  });
});
