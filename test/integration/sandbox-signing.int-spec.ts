import { createHash } from 'node:crypto';
import { PDFDocument } from 'pdf-lib';
import { Client } from 'pg';
import type { EnvelopeDto, MailMessageDto } from '@app/sandbox';
import {
  address,
  call,
  SANDBOX_TEST_KEY,
  startTestSandbox,
  testPdf,
  WebhookReceiver,
  type TestSandbox,
} from './sandbox-test-platform';
import { TEST_DATABASE_URL } from '../support/test-env';

const BROWSER = 'Mozilla/5.0 (sandbox-signing test)';

/** Signing through the HTML pages with plain form posts, as a browser without JavaScript would. */
describe('sandbox signing page', () => {
  let sandbox: TestSandbox;
  let hooks: WebhookReceiver;
  let pdf: Buffer;

  beforeAll(async () => {
    [sandbox, hooks, pdf] = await Promise.all([startTestSandbox(), WebhookReceiver.start(), testPdf(2)]);
  });
  afterAll(async () => {
    await sandbox?.close();
    await hooks?.close();
  });

  async function create(
    level: string,
    signers = [{ name: 'Ana <Example>', email: address('ana') }],
  ): Promise<EnvelopeDto> {
    const { status, body } = await call<EnvelopeDto>(sandbox.url, 'POST', '/v1/envelopes', {
      title: `Agreement & "${level}"`,
      document: { filename: 'agreement.pdf', content_base64: pdf.toString('base64') },
      signers,
      signature_level: level,
      webhook_url: hooks.url,
    });
    expect(status).toBe(201);
    return body;
  }
  const envelope = async (id: string) => (await call<EnvelopeDto>(sandbox.url, 'GET', `/v1/envelopes/${id}`)).body;
  const mailbox = async (to: string) =>
    (await call<MailMessageDto[]>(sandbox.url, 'GET', `/v1/mailbox?to=${encodeURIComponent(to)}`)).body;
  async function open(signingUrl: string): Promise<{ status: number; html: string; state: string | undefined }> {
    const response = await fetch(signingUrl, { headers: { 'user-agent': BROWSER } });
    const html = await response.text();
    return { status: response.status, html, state: /id="status" data-status="([^"]+)"/.exec(html)?.[1] };
  }
  async function post(signingUrl: string, action: string, form: Record<string, string> = {}) {
    const response = await fetch(`${signingUrl}/${action}`, {
      method: 'POST',
      headers: { 'user-agent': BROWSER },
      body: new URLSearchParams(form),
      redirect: 'manual',
    });
    const html = await response.text();
    return { status: response.status, location: response.headers.get('location'), html };
  }
  async function download(url: string) {
    const response = await fetch(url, { headers: { authorization: `Bearer ${SANDBOX_TEST_KEY}` } });
    return { response, bytes: Buffer.from(await response.arrayBuffer()) };
  }
  const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

  it('simple: open → consent → sign → completed, documents whose hashes agree everywhere', async () => {
    const created = await create('simple');
    const signer = created.signers[0];
    const first = await open(signer.signing_url);
    expect(first.status).toBe(200);
    expect(first.state).toBe('awaiting signature');
    for (const id of ['consent', 'sign', 'decline', 'decline-reason', 'status'])
      expect(first.html).toContain(`id="${id}"`);
    expect(first.html).not.toContain('id="send-code"');
    expect(first.html).toContain('Ana &lt;Example&gt;');
    expect(first.html).toContain(`<iframe id="document" src="/sign/${signer.signing_url.split('/sign/')[1]}/document"`);
    const inline = await fetch(`${signer.signing_url}/document`);
    expect(inline.headers.get('content-type')).toBe('application/pdf');
    expect(inline.headers.get('content-disposition')).toMatch(/^inline/);
    expect(Buffer.from(await inline.arrayBuffer()).equals(pdf)).toBe(true);

    const [opened] = await hooks.waitFor(created.id, 'envelope.opened');
    expect(opened.body.data.signer).toEqual({ email: signer.email, name: 'Ana <Example>' });
    await open(signer.signing_url);
    expect((await envelope(created.id)).signers[0]).toMatchObject({
      status: 'opened',
      ip: '127.0.0.1',
      user_agent: BROWSER,
    });

    const noConsent = await post(signer.signing_url, 'sign', {});
    expect(noConsent.status).toBe(400);
    expect(noConsent.html).toContain('id="error"');
    expect((await envelope(created.id)).status).toBe('sent');

    const signed = await post(signer.signing_url, 'sign', { consent: 'yes' });
    expect(signed.status).toBe(303);
    expect(signed.location).toContain(`/sign/`);
    expect((await open(signer.signing_url)).state).toBe('signed');

    const done = await envelope(created.id);
    expect(done).toMatchObject({ status: 'completed', completed_at: expect.any(String) });
    expect(done.signers[0]).toMatchObject({
      status: 'signed',
      ip: '127.0.0.1',
      user_agent: BROWSER,
      auth_method: 'email_link',
      signature_level: 'simple',
      otp_verified: false,
    });
    const [signedHook] = await hooks.waitFor(created.id, 'signer.signed');
    expect(signedHook.body.data.signer).toEqual({
      email: signer.email,
      name: 'Ana <Example>',
      ip: '127.0.0.1',
      user_agent: BROWSER,
      auth_method: 'email_link',
      signature_level: 'simple',
      otp_verified: false,
      signed_at: done.signers[0].signed_at,
    });
    const [completed] = await hooks.waitFor(created.id, 'envelope.completed');
    const docs = done.documents;
    expect(completed.body.data).toEqual({
      envelope_id: created.id,
      completed_at: done.completed_at,
      document_sha256: docs.original.sha256,
      signed_document_sha256: docs.signed?.sha256,
      audit_trail_sha256: docs.audit_trail?.sha256,
      evidence_sha256: docs.evidence?.sha256,
    });
    for (const [link, type] of [
      [docs.signed, 'application/pdf'],
      [docs.audit_trail, 'application/pdf'],
      [docs.evidence, 'application/json'],
    ] as const) {
      const { response, bytes } = await download(link!.url);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe(type);
      expect(response.headers.get('x-content-sha256')).toBe(sha256(bytes));
      expect(sha256(bytes)).toBe(link!.sha256);
      expect(bytes.length).toBe(link!.size_bytes);
    }
    const signedPdf = await PDFDocument.load((await download(docs.signed!.url)).bytes, { updateMetadata: false });
    expect(signedPdf.getPageCount()).toBe(3);
    expect(signedPdf.getProducer()).toBe('SignBridge Sandbox');
    const evidence = JSON.parse((await download(docs.evidence!.url)).bytes.toString('utf8')) as {
      signers: { email: string }[];
      events: { type: string }[];
      signed_document: { sha256: string };
    };
    expect(evidence.signers.map((s) => s.email)).toEqual([signer.email]);
    expect(evidence.signed_document.sha256).toBe(docs.signed!.sha256);
    expect(evidence.events.map((e) => e.type)).toEqual(
      expect.arrayContaining(['created', 'mail_sent', 'opened', 'signed']),
    );
    expect((await mailbox(signer.email)).map((m) => m.kind)).toEqual(['completed', 'invitation']);
    // Signing again is refused, and changes nothing.
    expect((await post(signer.signing_url, 'sign', { consent: 'yes' })).status).toBe(409);
  });

  it('stores the documents as they are: PDFs are compressed inside, PostgreSQL does not try again', async () => {
    const created = await create('simple');
    const signer = created.signers[0];
    await post(signer.signing_url, 'sign', { consent: 'yes' });
    const done = await envelope(created.id);
    expect(done.status).toBe('completed');
    const db = new Client({ connectionString: TEST_DATABASE_URL });
    await db.connect();
    try {
      const { rows } = await db.query<{ kind: string; compression: string | null; storage: string }>(
        `SELECT d.kind, pg_column_compression(d.bytes) AS compression,
                (SELECT a.attstorage FROM pg_attribute a
                  WHERE a.attrelid = '${sandbox.schema}.documents'::regclass AND a.attname = 'bytes') AS storage
           FROM ${sandbox.schema}.documents d WHERE d.envelope_id = $1 ORDER BY d.kind`,
        [created.id],
      );
      expect(rows.map((r) => r.kind)).toEqual(['audit_trail', 'evidence', 'original', 'signed']);
      expect(rows.every((r) => r.storage === 'e' && r.compression === null)).toBe(true);
    } finally {
      await db.end();
    }
  });

  it('advanced: the code from the mailbox signs; a wrong code is refused and counted', async () => {
    const created = await create('advanced');
    const signer = created.signers[0];
    expect((await open(signer.signing_url)).html).toContain('id="send-code"');
    const sent = await post(signer.signing_url, 'otp');
    expect(sent.status).toBe(303);
    expect(sent.location).toContain('notice=code-sent');
    const [otp] = await mailbox(signer.email);
    expect(otp).toMatchObject({ kind: 'otp', code: expect.stringMatching(/^\d{6}$/) });
    const mailboxPage = await (await fetch(`${sandbox.url}/mailbox?to=${encodeURIComponent(signer.email)}`)).text();
    expect(mailboxPage).toContain(`<code class="otp">${otp.code}</code>`);
    expect(mailboxPage).toContain(`<a href="${signer.signing_url}">`);

    const noCode = await post(signer.signing_url, 'sign', { consent: 'yes' });
    expect(noCode.status).toBe(400);
    const wrong = await post(signer.signing_url, 'sign', {
      consent: 'yes',
      code: otp.code === '000000' ? '111111' : '000000',
    });
    expect(wrong.status).toBe(400);
    expect(wrong.html).toContain('Wrong code');
    const ok = await post(signer.signing_url, 'sign', { consent: 'yes', code: otp.code! });
    expect(ok.status).toBe(303);
    expect((await envelope(created.id)).signers[0]).toMatchObject({
      status: 'signed',
      auth_method: 'email_otp',
      signature_level: 'advanced',
      otp_verified: true,
    });
    await hooks.waitFor(created.id, 'envelope.completed');
  });

  it('advanced: three wrong codes lock the signer, with signer.authentication_failed', async () => {
    const created = await create('advanced');
    const signer = created.signers[0];
    await post(signer.signing_url, 'otp');
    const [otp] = await mailbox(signer.email);
    const wrongCode = otp.code === '123456' ? '654321' : '123456';
    const statuses = [];
    for (let i = 0; i < 3; i++)
      statuses.push((await post(signer.signing_url, 'sign', { consent: 'yes', code: wrongCode })).status);
    expect(statuses).toEqual([400, 400, 403]);
    const [failed] = await hooks.waitFor(created.id, 'signer.authentication_failed');
    expect(failed.body.data).toEqual({
      envelope_id: created.id,
      signer: { email: signer.email, name: signer.name },
      reason: 'too many wrong codes',
    });
    expect((await open(signer.signing_url)).state).toBe('locked');
    const late = await post(signer.signing_url, 'sign', { consent: 'yes', code: otp.code! });
    expect(late.status).toBe(409);
    expect((await envelope(created.id)).signers[0].status).toBe('locked');
  });

  it('qualified: a certificate must be chosen from the offered ones', async () => {
    const created = await create('qualified');
    const signer = created.signers[0];
    const { html } = await open(signer.signing_url);
    expect(html).toContain('<select id="certificate" name="certificate">');
    const certificate = /<option value="(CN=[^"]+)">/.exec(html)?.[1];
    expect(certificate).toBe('CN=Ana &lt;Example&gt;, Sandbox Qualified CA');
    expect((await post(signer.signing_url, 'sign', { consent: 'yes' })).status).toBe(400);
    expect((await post(signer.signing_url, 'sign', { consent: 'yes', certificate: 'CN=Mallory' })).status).toBe(400);
    const ok = await post(signer.signing_url, 'sign', {
      consent: 'yes',
      certificate: 'CN=Ana <Example>, Sandbox Qualified CA',
    });
    expect(ok.status).toBe(303);
    expect((await envelope(created.id)).signers[0]).toMatchObject({
      auth_method: 'qualified_certificate',
      signature_level: 'qualified',
    });
  });

  it('two signers: completes only after both, exactly once even when they sign at the same moment', async () => {
    const pair = () => [
      { name: 'One', email: address('one') },
      { name: 'Two', email: address('two') },
    ];
    const sequential = await create('simple', pair());
    await post(sequential.signers[0].signing_url, 'sign', { consent: 'yes' });
    expect((await envelope(sequential.id)).status).toBe('sent');
    await post(sequential.signers[1].signing_url, 'sign', { consent: 'yes' });
    expect((await envelope(sequential.id)).status).toBe('completed');

    const concurrent = await create('simple', pair());
    const results = await Promise.all(concurrent.signers.map((s) => post(s.signing_url, 'sign', { consent: 'yes' })));
    expect(results.map((r) => r.status)).toEqual([303, 303]);
    const done = await envelope(concurrent.id);
    expect(done.status).toBe('completed');
    await hooks.waitFor(concurrent.id, 'signer.signed', 2);
    await hooks.waitFor(concurrent.id, 'envelope.completed');
    // Both answered 303 and the documents exist once per kind (primary key): completion ran exactly once.
    expect(hooks.of(concurrent.id, 'envelope.completed')).toHaveLength(1);
    const evidence = JSON.parse((await download(done.documents.evidence!.url)).bytes.toString('utf8')) as {
      signers: { email: string; signed_at: string }[];
    };
    expect(evidence.signers.map((s) => [s.email, typeof s.signed_at])).toEqual(
      done.signers.map((s) => [s.email, 'string']),
    );
  });

  it('decline: the envelope is declined with the reason; nobody can sign any more', async () => {
    const created = await create('simple', [
      { name: 'One', email: address('one') },
      { name: 'Two', email: address('two') },
    ]);
    const declined = await post(created.signers[0].signing_url, 'decline', { reason: 'Wrong <price>' });
    expect(declined.status).toBe(303);
    expect(await envelope(created.id)).toMatchObject({ status: 'declined', reason: 'Wrong <price>' });
    const [hook] = await hooks.waitFor(created.id, 'envelope.declined');
    expect(hook.body.data).toEqual({
      envelope_id: created.id,
      signer: { email: created.signers[0].email, name: 'One' },
      reason: 'Wrong <price>',
    });
    expect((await open(created.signers[0].signing_url)).state).toBe('declined');
    expect((await open(created.signers[1].signing_url)).state).toBe('declined');
    expect((await post(created.signers[1].signing_url, 'sign', { consent: 'yes' })).status).toBe(409);
    const voidDeclined = await call(sandbox.url, 'POST', `/v1/envelopes/${created.id}/void`, {});
    expect({ status: voidDeclined.status, code: voidDeclined.body.code }).toEqual({
      status: 409,
      code: 'ENVELOPE.NOT_VOIDABLE',
    });
  });

  it('void after completion is 409; a voided envelope shows "voided"; an unknown link is a 404 page', async () => {
    const completed = await create('simple');
    await post(completed.signers[0].signing_url, 'sign', { consent: 'yes' });
    const refused = await call(sandbox.url, 'POST', `/v1/envelopes/${completed.id}/void`, { reason: 'late' });
    expect({ status: refused.status, code: refused.body.code }).toEqual({ status: 409, code: 'ENVELOPE.NOT_VOIDABLE' });
    const voided = await create('simple');
    await call(sandbox.url, 'POST', `/v1/envelopes/${voided.id}/void`, {});
    expect((await open(voided.signers[0].signing_url)).state).toBe('voided');
    const missing = await open(`${sandbox.url}/sign/not-a-token`);
    expect(missing.status).toBe(404);
    expect(missing.html).toContain('not valid');
  });

  it('every webhook carried a valid signature and the {type, timestamp, data.envelope_id} shape', () => {
    expect(hooks.received.length).toBeGreaterThan(20);
    for (const hook of hooks.received) {
      expect({ id: hook.id, verification: hook.verification }).toEqual({ id: hook.id, verification: 'ok' });
      expect(Object.keys(hook.body).sort()).toEqual(['data', 'timestamp', 'type']);
      expect(hook.body.data.envelope_id).toMatch(/^env_/);
    }
  });
});
