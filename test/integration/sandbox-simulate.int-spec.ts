import type { EnvelopeDto } from '@app/sandbox';
import {
  address,
  call,
  SANDBOX_TEST_KEY,
  eventually,
  startTestSandbox,
  testPdf,
  WebhookReceiver,
  type TestSandbox,
} from './sandbox-test-platform';

/** `simulate` drives the same code as the signing page; expiry runs on its timer; the registration-race fault. */
describe('sandbox simulate, expiry and deliver-before-response', () => {
  let sandbox: TestSandbox;
  let hooks: WebhookReceiver;
  let pdf: Buffer;

  beforeAll(async () => {
    [sandbox, hooks, pdf] = await Promise.all([startTestSandbox(), WebhookReceiver.start(), testPdf(1)]);
  });
  afterAll(async () => {
    await sandbox?.close();
    await hooks?.close();
  });

  const body = (overrides: Record<string, unknown> = {}) => ({
    title: 'Simulated agreement',
    document: { filename: 'a.pdf', content_base64: pdf.toString('base64') },
    signers: [
      { name: 'One', email: address('one') },
      { name: 'Two', email: address('two') },
    ],
    signature_level: 'advanced',
    webhook_url: hooks.url,
    ...overrides,
  });
  async function create(base: string, overrides: Record<string, unknown> = {}): Promise<EnvelopeDto> {
    const response = await call<EnvelopeDto>(base, 'POST', '/v1/envelopes', body(overrides));
    expect(response.status).toBe(201);
    return response.body;
  }
  const simulate = (id: string, request: Record<string, unknown>) =>
    call<EnvelopeDto>(sandbox.url, 'POST', `/v1/envelopes/${id}/simulate`, request);

  it('open, sign (default signer, then the next), completing the envelope; further actions 409', async () => {
    const envelope = await create(sandbox.url);
    const opened = await simulate(envelope.id, { action: 'open', ip: '203.0.113.7', user_agent: 'Simulated UA' });
    expect(opened.status).toBe(200);
    expect(opened.body.signers[0]).toMatchObject({ status: 'opened', ip: '203.0.113.7', user_agent: 'Simulated UA' });
    await hooks.waitFor(envelope.id, 'envelope.opened');

    const first = await simulate(envelope.id, { action: 'sign', ip: '203.0.113.7' });
    expect(first.body.status).toBe('sent');
    expect(first.body.signers[0]).toMatchObject({
      status: 'signed',
      auth_method: 'email_otp',
      signature_level: 'advanced',
      ip: '203.0.113.7',
    });
    const second = await simulate(envelope.id, { action: 'sign', level: 'qualified' });
    expect(second.body.status).toBe('completed');
    expect(second.body.signers[1]).toMatchObject({
      status: 'signed',
      auth_method: 'qualified_certificate',
      signature_level: 'qualified',
    });
    await hooks.waitFor(envelope.id, 'envelope.completed');

    const evidence = await fetch(second.body.documents.evidence!.url, {
      headers: { authorization: `Bearer ${SANDBOX_TEST_KEY}` },
    });
    const json = (await evidence.json()) as { events: { type: string; detail: { simulated?: boolean } }[] };
    const signed = json.events.filter((e) => e.type === 'signed');
    expect(signed).toHaveLength(2);
    for (const event of signed) expect(event.detail.simulated).toBe(true);

    for (const action of ['sign', 'open', 'decline', 'deliver', 'bounce', 'expire']) {
      const refused = await simulate(envelope.id, { action });
      expect({ action, status: refused.status }).toEqual({ action, status: 409 });
    }
  });

  it('bounce and deliver a named signer; decline; unknown signer 404; bad action 400', async () => {
    const envelope = await create(sandbox.url, { signature_level: 'simple' });
    const two = envelope.signers[1].email;
    const bounced = await simulate(envelope.id, { action: 'bounce', signer: two, reason: 'mailbox full' });
    expect(bounced.body.signers[1].status).toBe('bounced');
    const [failed] = await hooks.waitFor(envelope.id, 'envelope.delivery_failed');
    expect(failed.body.data).toEqual({
      envelope_id: envelope.id,
      signer: { email: two, name: 'Two' },
      reason: 'mailbox full',
    });
    const delivered = await simulate(envelope.id, { action: 'deliver', signer: two.toUpperCase() });
    expect(delivered.body.signers[1].status).toBe('delivered');
    await hooks.waitFor(envelope.id, 'envelope.delivered', 3);

    expect((await simulate(envelope.id, { action: 'sign', signer: 'nobody@example.com' })).status).toBe(404);
    expect((await simulate(envelope.id, { action: 'dance' })).status).toBe(400);

    const declined = await simulate(envelope.id, { action: 'decline', signer: two, reason: 'no' });
    expect(declined.body).toMatchObject({ status: 'declined', reason: 'no' });
    expect(declined.body.signers[1].status).toBe('declined');
    const [hook] = await hooks.waitFor(envelope.id, 'envelope.declined');
    expect(hook.body.data).toEqual({ envelope_id: envelope.id, signer: { email: two, name: 'Two' }, reason: 'no' });
  });

  it('expire via simulate, and by the timer once expires_at passes', async () => {
    const now = await create(sandbox.url);
    const expired = await simulate(now.id, { action: 'expire' });
    expect(expired.body).toMatchObject({ status: 'expired', expired_at: expect.any(String) });
    await hooks.waitFor(now.id, 'envelope.expired');

    const soon = await create(sandbox.url, { expires_at: new Date(Date.now() + 1500).toISOString() });
    const done = await eventually(
      async () => {
        const { body: current } = await call<EnvelopeDto>(sandbox.url, 'GET', `/v1/envelopes/${soon.id}`);
        return current.status === 'expired' ? current : undefined;
      },
      { what: 'the timer to expire the envelope' },
    );
    expect(new Date(done.expired_at!).getTime()).toBeGreaterThanOrEqual(new Date(soon.expires_at).getTime());
    const [hook] = await hooks.waitFor(soon.id, 'envelope.expired');
    expect(hook.body.data).toEqual({ envelope_id: soon.id, expires_at: soon.expires_at });
    const page = await (await fetch(soon.signers[0].signing_url)).text();
    expect(page).toContain('data-status="expired"');
  });

  it('deliver-before-response: envelope.sent has reached the receiver when the create answers', async () => {
    const racing = await startTestSandbox({ SANDBOX_FAULTS: 'deliver-before-response' });
    try {
      const envelope = await create(racing.url);
      expect(hooks.of(envelope.id, 'envelope.sent')).toHaveLength(1);
    } finally {
      await racing.close();
    }
  });

  it('every webhook carried a valid signature and the {type, timestamp, data.envelope_id} shape', () => {
    for (const hook of hooks.received) {
      expect({ id: hook.id, verification: hook.verification }).toEqual({ id: hook.id, verification: 'ok' });
      expect(Object.keys(hook.body).sort()).toEqual(['data', 'timestamp', 'type']);
    }
  });
});
