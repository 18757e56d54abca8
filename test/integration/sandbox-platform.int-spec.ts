import { createHash } from 'node:crypto';
import type { EnvelopeDto, MailMessageDto } from '@app/sandbox';
import {
  address,
  call,
  SANDBOX_TEST_KEY,
  startTestSandbox,
  testPdf,
  WebhookReceiver,
  type Problem,
  type TestSandbox,
} from './sandbox-test-platform';

/** The sandbox platform's REST API: creating envelopes every way, validation, idempotency, void, resend. */
describe('sandbox platform /v1 API', () => {
  let sandbox: TestSandbox;
  let hooks: WebhookReceiver;
  let pdf: Buffer;
  const api = <T = Problem>(method: string, path: string, body?: unknown, options?: Parameters<typeof call>[4]) =>
    call<T>(sandbox.url, method, path, body, options);

  beforeAll(async () => {
    [sandbox, hooks, pdf] = await Promise.all([startTestSandbox(), WebhookReceiver.start(), testPdf(2)]);
  });
  afterAll(async () => {
    await sandbox?.close();
    await hooks?.close();
  });

  const request = (overrides: Record<string, unknown> = {}) => ({
    title: 'Service agreement',
    document: { filename: 'agreement.pdf', content_base64: pdf.toString('base64') },
    signers: [{ name: 'Ana Example', email: address('Ana') }],
    signature_level: 'simple',
    webhook_url: hooks.url,
    metadata: { contract_ref: 'C-1' },
    ...overrides,
  });
  const create = (body: unknown, headers?: Record<string, string>) =>
    api<EnvelopeDto>('POST', '/v1/envelopes', body, { headers });
  const mailbox = async (to: string) =>
    (await api<MailMessageDto[]>('GET', `/v1/mailbox?to=${encodeURIComponent(to)}`)).body;
  const fields = (problem: Problem) => (problem.fields ?? []).map((f) => f.field);

  it('401 problem+json without a key or with a wrong one; /health and /v1/mailbox need none', async () => {
    for (const key of [null, 'sbx_wrong_key_0123456789abcdef']) {
      const response = await api('GET', '/v1/envelopes/env_x', undefined, { key });
      expect(response.status).toBe(401);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      expect(response.body.code).toBe('AUTH.UNAUTHENTICATED');
    }
    expect((await api('GET', '/health', undefined, { key: null })).body).toEqual({ status: 'ok' });
    expect((await api('GET', '/v1/mailbox?to=nobody@example.com', undefined, { key: null })).status).toBe(200);
    const missing = await api('GET', '/v1/mailbox', undefined, { key: null });
    expect({ status: missing.status, code: missing.body.code }).toEqual({
      status: 400,
      code: 'MAILBOX.ADDRESS_REQUIRED',
    });
    const unknown = await api('GET', '/v1/envelopes/env_missing');
    expect({ status: unknown.status, code: unknown.body.code }).toEqual({ status: 404, code: 'ENVELOPE.NOT_FOUND' });
  });

  it('creates from JSON: sent, invitations in the mailbox, envelope.sent and envelope.delivered signed webhooks', async () => {
    const ana = address('Ana');
    const bea = address('Bea');
    const body = request({
      signers: [
        { name: 'Ana', email: ana.toUpperCase(), phone: '+34 600 000 000' },
        { name: 'Bea', email: bea },
      ],
    });
    const { status, body: envelope } = await create(body);
    expect(status).toBe(201);
    expect(envelope).toMatchObject({
      id: expect.stringMatching(/^env_/),
      status: 'sent',
      title: 'Service agreement',
      signature_level: 'simple',
      webhook_url: hooks.url,
      metadata: { contract_ref: 'C-1' },
      completed_at: null,
      reason: null,
      documents: { signed: null, audit_trail: null, evidence: null },
    });
    const sha = createHash('sha256').update(pdf).digest('hex');
    expect(envelope.documents.original).toEqual({
      sha256: sha,
      size_bytes: pdf.length,
      url: `${sandbox.url}/v1/envelopes/${envelope.id}/documents/original`,
    });
    expect(envelope.signers.map((s) => [s.email, s.status, s.phone])).toEqual([
      [ana, 'delivered', '+34 600 000 000'],
      [bea, 'delivered', null],
    ]);
    const [invitation] = await mailbox(ana);
    expect(invitation).toMatchObject({ kind: 'invitation', envelope_id: envelope.id, code: null, to: ana });
    expect(invitation.text).toContain(envelope.signers[0].signing_url);
    expect(envelope.signers[0].signing_url).toMatch(new RegExp(`^${sandbox.url}/sign/[A-Za-z0-9_-]{20,}$`));

    const [sent] = await hooks.waitFor(envelope.id, 'envelope.sent');
    expect(sent.verified).toBe(true);
    expect(sent.body.data).toEqual({
      envelope_id: envelope.id,
      title: 'Service agreement',
      signature_level: 'simple',
      document_sha256: sha,
      signers: [
        { email: ana, name: 'Ana' },
        { email: bea, name: 'Bea' },
      ],
      metadata: { contract_ref: 'C-1' },
    });
    expect(new Date(sent.body.timestamp).toISOString()).toBe(sent.body.timestamp);
    const delivered = await hooks.waitFor(envelope.id, 'envelope.delivered', 2);
    expect(
      delivered.map((w) => w.body.data.signer).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
    ).toEqual([
      { email: ana, name: 'Ana' },
      { email: bea, name: 'Bea' },
    ]);
  });

  it('creates from multipart/form-data, and bounces an address at a .invalid domain', async () => {
    const form = new FormData();
    const lost = address('lost', 'nowhere.invalid');
    form.set('title', 'Multipart agreement');
    form.set('signature_level', 'advanced');
    form.set('webhook_url', hooks.url);
    form.set('signers', JSON.stringify([{ name: 'Lost', email: lost }]));
    form.set('metadata', JSON.stringify({ source: 'multipart' }));
    form.set('document', new Blob([pdf], { type: 'application/pdf' }), 'upload.pdf');
    const { status, body } = await create(form);
    expect(status).toBe(201);
    expect(body).toMatchObject({
      title: 'Multipart agreement',
      signature_level: 'advanced',
      metadata: { source: 'multipart' },
    });
    expect(body.documents.original.sha256).toBe(createHash('sha256').update(pdf).digest('hex'));
    expect(body.signers[0].status).toBe('bounced');
    const [failed] = await hooks.waitFor(body.id, 'envelope.delivery_failed');
    expect(failed.body.data).toMatchObject({ signer: { email: lost, name: 'Lost' }, reason: expect.any(String) });
    expect(await mailbox(lost)).toEqual([]);
  });

  it('400 naming the field for a bad document or field, in both forms', async () => {
    const cases: [unknown, string][] = [
      [
        request({ document: { filename: 'x.pdf', content_base64: Buffer.from('hello').toString('base64') } }),
        'document.content_base64',
      ],
      [request({ document: { filename: 'x.pdf', content_base64: '%%%' } }), 'document.content_base64'],
      [
        request({ document: { filename: 'x.pdf', content_base64: Buffer.from('%PDF-1.7 broken').toString('base64') } }),
        'document.content_base64',
      ],
      [request({ title: '' }), 'title'],
      [request({ signers: [] }), 'signers'],
      [request({ signers: [{ name: 'A', email: 'not-an-email' }] }), 'signers.0.email'],
      [
        request({
          signers: [
            { name: 'A', email: 'same@example.com' },
            { name: 'B', email: 'SAME@example.com' },
          ],
        }),
        'signers',
      ],
      [request({ signature_level: 'gold' }), 'signature_level'],
      [request({ webhook_url: 'ftp://example.com/x' }), 'webhook_url'],
      [request({ expires_at: '2001-01-01T00:00:00Z' }), 'expires_at'],
      [request({ metadata: 'text' }), 'metadata'],
      [request({ surprise: true }), 'surprise'],
    ];
    for (const [body, field] of cases) {
      const response = await create(body);
      expect({ field, status: response.status }).toEqual({ field, status: 400 });
      expect(fields(response.body as unknown as Problem)).toContain(field);
    }
    const form = new FormData();
    form.set('title', 'T');
    form.set('signature_level', 'simple');
    form.set('webhook_url', hooks.url);
    form.set('signers', '[{"name":"A","email":"a@example.com"}]');
    form.set('document', new Blob(['plain text']), 'notes.txt');
    const bad = await create(form);
    expect(bad.status).toBe(400);
    expect(fields(bad.body as unknown as Problem)).toEqual(['document']);
    form.set('document', new Blob([pdf]), 'a.pdf');
    form.set('signers', '[not json');
    expect(fields((await create(form)).body as unknown as Problem)).toEqual(['signers']);
    // A body that is not the multipart its content type announces: no boundary, or cut short.
    for (const [contentType, body] of [
      ['multipart/form-data', 'x'],
      ['multipart/form-data; boundary=b', '--b\r\nContent-Disposition: form-data; name="title"\r\n\r\nT'],
    ]) {
      const response = await fetch(`${sandbox.url}/v1/envelopes`, {
        method: 'POST',
        headers: { authorization: `Bearer ${SANDBOX_TEST_KEY}`, 'content-type': contentType },
        body,
      });
      expect({ contentType, status: response.status }).toEqual({ contentType, status: 400 });
      expect(fields((await response.json()) as Problem)).toEqual(['body']);
    }
  });

  it('Idempotency-Key: same request → same envelope, sent once; other request → 422; concurrent → one envelope', async () => {
    const key = `idem-${Date.now()}-${Math.random()}`;
    const body = request();
    const first = await create(body, { 'idempotency-key': key });
    const again = await create(body, { 'idempotency-key': key });
    expect([first.status, again.status]).toEqual([201, 200]);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    expect(again.body.id).toBe(first.body.id);
    expect(await mailbox(first.body.signers[0].email)).toHaveLength(1);
    const reused = await create(request({ title: 'Another' }), { 'idempotency-key': key });
    expect({ status: reused.status, code: (reused.body as unknown as Problem).code }).toEqual({
      status: 422,
      code: 'IDEMPOTENCY.KEY_REUSED',
    });

    const raceKey = `race-${Date.now()}-${Math.random()}`;
    const raceBody = request();
    const results = await Promise.all(
      Array.from({ length: 6 }, () => create(raceBody, { 'idempotency-key': raceKey })),
    );
    expect(new Set(results.map((r) => r.body.id)).size).toBe(1);
    expect(results.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 200, 201]);
    expect(await mailbox(raceBody.signers[0].email)).toHaveLength(1);
    await hooks.waitFor(results[0].body.id, 'envelope.sent');
  });

  it('void: voided with envelope.voided once; voiding again changes nothing; resend then 409', async () => {
    const { body: envelope } = await create(request());
    const voided = await api<EnvelopeDto>('POST', `/v1/envelopes/${envelope.id}/void`, { reason: 'wrong customer' });
    expect(voided.status).toBe(200);
    expect(voided.body).toMatchObject({ status: 'voided', reason: 'wrong customer', voided_at: expect.any(String) });
    const [hook] = await hooks.waitFor(envelope.id, 'envelope.voided');
    expect(hook.body.data).toEqual({ envelope_id: envelope.id, reason: 'wrong customer' });
    const again = await api<EnvelopeDto>('POST', `/v1/envelopes/${envelope.id}/void`, {});
    expect(again.status).toBe(200);
    expect(again.body.voided_at).toBe(voided.body.voided_at);
    const resend = await api('POST', `/v1/envelopes/${envelope.id}/resend`);
    expect({ status: resend.status, code: resend.body.code }).toEqual({ status: 409, code: 'ENVELOPE.NOT_SENT' });
    // A later webhook to the same receiver has arrived: had a second envelope.voided been sent, it would be here too.
    const { body: sentinel } = await create(request());
    await hooks.waitFor(sentinel.id, 'envelope.sent');
    expect(hooks.of(envelope.id, 'envelope.voided')).toHaveLength(1);
  });

  it('resend mails a reminder to each signer who has not signed, with envelope.delivered again', async () => {
    const signers = [
      { name: 'A', email: address('a') },
      { name: 'B', email: address('b') },
    ];
    const { body: envelope } = await create(request({ signers }));
    await api('POST', `/v1/envelopes/${envelope.id}/simulate`, { action: 'sign', signer: signers[0].email });
    const resent = await api<EnvelopeDto>('POST', `/v1/envelopes/${envelope.id}/resend`);
    expect(resent.status).toBe(200);
    expect((await mailbox(signers[0].email)).map((m) => m.kind)).toEqual(['invitation']);
    const [reminder] = await mailbox(signers[1].email);
    expect(reminder).toMatchObject({ kind: 'reminder' });
    expect(reminder.text).toContain(envelope.signers[1].signing_url);
    await hooks.waitFor(envelope.id, 'envelope.delivered', 3);
  });

  it('documents: the original any time (with digests); the others 409 until completed', async () => {
    const { body: envelope } = await create(request());
    const response = await fetch(envelope.documents.original.url, {
      headers: { authorization: `Bearer ${SANDBOX_TEST_KEY}` },
    });
    const bytes = Buffer.from(await response.arrayBuffer());
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/pdf');
    expect(response.headers.get('content-length')).toBe(String(pdf.length));
    expect(response.headers.get('x-content-sha256')).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(response.headers.get('repr-digest')).toBe(
      `sha-256=:${createHash('sha256').update(bytes).digest('base64')}:`,
    );
    expect(response.headers.get('content-disposition')).toContain('agreement.pdf');
    expect(bytes.equals(pdf)).toBe(true);
    for (const kind of ['signed', 'audit-trail', 'evidence']) {
      const early = await api('GET', `/v1/envelopes/${envelope.id}/documents/${kind}`);
      expect({ kind, status: early.status, code: early.body.code }).toEqual({
        kind,
        status: 409,
        code: 'ENVELOPE.NOT_COMPLETED',
      });
    }
    const unknown = await api('GET', `/v1/envelopes/env_unknown/documents/signed`);
    expect({ status: unknown.status, code: unknown.body.code }).toEqual({ status: 404, code: 'ENVELOPE.NOT_FOUND' });
  });

  it('every webhook so far carried a valid signature and the {type, timestamp, data.envelope_id} shape', () => {
    expect(hooks.received.length).toBeGreaterThan(10);
    for (const hook of hooks.received) {
      expect({ id: hook.id, verification: hook.verification }).toEqual({ id: hook.id, verification: 'ok' });
      expect(hook.id).toMatch(/^msg_/);
      expect(Object.keys(hook.body).sort()).toEqual(['data', 'timestamp', 'type']);
      expect(hook.body.data.envelope_id).toMatch(/^env_/);
    }
  });
});
