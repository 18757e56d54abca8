import { parseWebhookSecret, verifyStandardWebhook } from '@app/signature-providers';
import {
  draft,
  dropSchema,
  eventually,
  newSchema,
  Receiver,
  SANDBOX_SECRET,
  startSandboxWebhookApp,
  waitForDelivery,
  type DeliveryView,
  type SandboxWebhookApp,
} from './sandbox-webhook-harness';

/** Delivery, retries and the delivery-log API of the sandbox's webhook engine, against real receivers. */
describe('Sandbox webhook delivery', () => {
  const schema = newSchema();
  let sandbox: SandboxWebhookApp;
  let receiver: Receiver;

  beforeAll(async () => {
    // Schedule 300 ms then 600 ms, no jitter, 1 s timeout (the harness defaults).
    sandbox = await startSandboxWebhookApp(schema);
  });
  afterAll(async () => {
    await sandbox.close();
    await dropSchema(schema);
  });
  beforeEach(async () => {
    receiver = await new Receiver().start();
  });
  afterEach(async () => {
    await receiver.stop();
  });

  it('sends a committed message, signed, with the documented body; a rolled-back one never exists', async () => {
    const rolledBack = draft(receiver.url, { data: { rolled: 'back' } });
    let ghostIds: string[] = [];
    await expect(
      sandbox.database.transaction(async (tx) => {
        ghostIds = await sandbox.outbox.enqueue(tx, [rolledBack]);
        throw new Error('the envelope change failed');
      }),
    ).rejects.toThrow('the envelope change failed');
    sandbox.outbox.wake();

    const occurredAt = new Date('2026-03-01T10:00:00.123Z');
    const [id] = await sandbox.send([
      draft(receiver.url, {
        envelopeId: 'env_body_check',
        type: 'signer.signed',
        occurredAt,
        data: { signer: { email: 'a@example.test' } },
      }),
    ]);
    expect(id).toMatch(/^msg_[A-Za-z0-9_-]{20}$/);
    const delivered = await waitForDelivery(sandbox, id, 'delivered', { attempts: 1 });

    expect(receiver.received.map((r) => r.id)).toEqual([id]);
    const [request] = receiver.received;
    expect(request.rawBody.toString()).toBe(
      '{"type":"signer.signed","timestamp":"2026-03-01T10:00:00.123Z",' +
        '"data":{"envelope_id":"env_body_check","signer":{"email":"a@example.test"}}}',
    );
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers['user-agent']).toBe('SignBridge-Sandbox-Webhooks/1');
    expect(Math.abs(Number(request.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(30);
    const verification = verifyStandardWebhook({
      headers: request.headers,
      rawBody: request.rawBody,
      secrets: [parseWebhookSecret(SANDBOX_SECRET)],
      now: new Date(),
      toleranceSeconds: 300,
    });
    expect(verification).toMatchObject({ ok: true });

    expect(delivered.body).toEqual(JSON.parse(request.rawBody.toString()));
    expect(delivered.attempt_log).toEqual([
      expect.objectContaining({ attempt: 1, outcome: 'delivered', status_code: 204, duplicate: false }),
    ]);
    expect(ghostIds).toHaveLength(1);
    expect((await sandbox.api('GET', `/v1/webhook-deliveries/${ghostIds[0]}`)).status).toBe(404);
  });

  it('retries 503, 503 on the schedule, then delivers, logging every attempt', async () => {
    receiver.answer = (_request, seenBefore) => (seenBefore < 2 ? { status: 503, body: 'busy' } : { status: 200 });
    const [id] = await sandbox.send([draft(receiver.url)]);
    const view = await waitForDelivery(sandbox, id, 'delivered', { attempts: 3 });

    const times = receiver.of(id).map((r) => r.at);
    expect(times).toHaveLength(3);
    // The next attempt is counted from when the failure was recorded: the gap is at least the schedule.
    expect(times[1] - times[0]).toBeGreaterThanOrEqual(290);
    expect(times[2] - times[1]).toBeGreaterThanOrEqual(590);
    expect(times[2] - times[1]).toBeLessThan(3000);

    const listed = await sandbox.api<{ items: DeliveryView[] }>(
      'GET',
      `/v1/webhook-deliveries?envelope_id=${view.envelope_id}`,
    );
    expect(listed.status).toBe(200);
    expect(listed.body.items).toHaveLength(1);
    const [item] = listed.body.items;
    expect(item).toMatchObject({ id, status: 'delivered', attempts: 3, last_error: null });
    expect(item.delivered_at).not.toBeNull();
    expect(item.attempt_log.map((a) => [a.attempt, a.outcome, a.status_code, a.response])).toEqual([
      [1, 'http_error', 503, 'busy'],
      [2, 'http_error', 503, 'busy'],
      [3, 'delivered', 200, null],
    ]);
  });

  it('fails the message once the schedule is exhausted', async () => {
    receiver.answer = () => ({ status: 500, body: 'x'.repeat(5000) });
    const [id] = await sandbox.send([draft(receiver.url)]);
    const view = await waitForDelivery(sandbox, id, 'failed');
    expect(view.attempts).toBe(3);
    expect(view.last_error).toBe('HTTP 500');
    expect(view.delivered_at).toBeNull();
    expect(view.attempt_log.map((a) => a.status_code)).toEqual([500, 500, 500]);
    // Only an excerpt of a large answer is kept.
    expect(view.attempt_log[0].response).toHaveLength(1024);
    expect(receiver.of(id)).toHaveLength(3);
  });

  it('records a timeout when the receiver does not answer in time', async () => {
    receiver.answer = (_request, seenBefore) => (seenBefore === 0 ? { status: 200, delayMs: 3000 } : { status: 200 });
    const [id] = await sandbox.send([draft(receiver.url)]);
    const view = await waitForDelivery(sandbox, id, 'delivered', { attempts: 2 });
    expect(view.attempt_log[0]).toMatchObject({ outcome: 'timeout', status_code: null });
    expect(view.attempt_log[0].duration_ms).toBeGreaterThanOrEqual(950);
    expect(view.attempt_log[0].duration_ms).toBeLessThan(2500);
  });

  it('honours a longer Retry-After on 429', async () => {
    receiver.answer = (_request, seenBefore) =>
      seenBefore === 0 ? { status: 429, headers: { 'retry-after': '1' } } : { status: 200 };
    const [id] = await sandbox.send([draft(receiver.url)]);
    await waitForDelivery(sandbox, id, 'delivered', { attempts: 2 });
    const [first, second] = receiver.of(id);
    expect(second.at - first.at).toBeGreaterThanOrEqual(990);
  });

  it('treats a redirect as a failure and does not follow it', async () => {
    const elsewhere = await new Receiver().start();
    try {
      receiver.answer = (_request, seenBefore) =>
        seenBefore === 0 ? { status: 302, headers: { location: elsewhere.url } } : { status: 200 };
      const [id] = await sandbox.send([draft(receiver.url)]);
      const view = await waitForDelivery(sandbox, id, 'delivered', { attempts: 2 });
      expect(view.attempt_log[0]).toMatchObject({ outcome: 'http_error', status_code: 302 });
      expect(elsewhere.received).toHaveLength(0);
    } finally {
      await elsewhere.stop();
    }
  });

  it('records a network error when nothing listens', async () => {
    const gone = await new Receiver().start();
    await gone.stop();
    const [id] = await sandbox.send([draft(gone.url)]);
    const view = await waitForDelivery(sandbox, id, 'failed');
    expect(view.attempt_log.map((a) => a.outcome)).toEqual(['network_error', 'network_error', 'network_error']);
    expect(view.last_error).toMatch(/ECONNREFUSED/);
  });

  it('deliverNow resolves once the attempt is made', async () => {
    // Far in the future, as if held back: deliverNow attempts it regardless.
    const ids = await sandbox.database.transaction(async (tx) => {
      const enqueued = await sandbox.outbox.enqueue(tx, [draft(receiver.url)]);
      await tx.query(`UPDATE webhook_messages SET next_attempt_at = now() + interval '1 hour' WHERE id = $1`, enqueued);
      return enqueued;
    });
    await sandbox.outbox.deliverNow(ids);
    expect(receiver.received.map((r) => r.id)).toEqual(ids);
    const view = await sandbox.api<DeliveryView>('GET', `/v1/webhook-deliveries/${ids[0]}`);
    expect(view.body).toMatchObject({ status: 'delivered', attempts: 1 });
  });

  it('redelivers a delivered message on POST /retry under the same id, keeping its history', async () => {
    const [id] = await sandbox.send([draft(receiver.url)]);
    await waitForDelivery(sandbox, id, 'delivered', { attempts: 1 });
    const retried = await sandbox.api<DeliveryView>('POST', `/v1/webhook-deliveries/${id}/retry`);
    expect(retried.status).toBe(202);
    const view = await waitForDelivery(sandbox, id, 'delivered', { attempts: 2 });
    expect(view.attempt_log.map((a) => a.outcome)).toEqual(['delivered', 'delivered']);
    expect(receiver.of(id)).toHaveLength(2);
    const unknown = await sandbox.api<{ code: string }>('POST', '/v1/webhook-deliveries/msg_nope/retry');
    expect(unknown).toMatchObject({ status: 404, body: { code: 'WEBHOOK_DELIVERY.NOT_FOUND' } });
  });

  it('lists newest first with filters and a cursor', async () => {
    const envelopeId = `env_page_${Date.now()}`;
    const ids: string[] = [];
    for (const type of ['envelope.sent', 'envelope.opened', 'envelope.completed'] as const) {
      ids.push(...(await sandbox.send([draft(receiver.url, { envelopeId, type })])));
    }
    await eventually(async () => (receiver.received.length === 3 ? true : undefined));
    const first = await sandbox.api<{ items: DeliveryView[]; next_cursor: string | null }>(
      'GET',
      `/v1/webhook-deliveries?envelope_id=${envelopeId}&limit=2`,
    );
    expect(first.body.items.map((i) => i.id)).toEqual([ids[2], ids[1]]);
    expect(first.body.next_cursor).toMatch(/^\d+$/);
    const second = await sandbox.api<{ items: DeliveryView[]; next_cursor: string | null }>(
      'GET',
      `/v1/webhook-deliveries?envelope_id=${envelopeId}&limit=2&before=${first.body.next_cursor}`,
    );
    expect(second.body.items.map((i) => i.id)).toEqual([ids[0]]);
    expect(second.body.next_cursor).toBeNull();
    const byType = await sandbox.api<{ items: DeliveryView[] }>(
      'GET',
      `/v1/webhook-deliveries?envelope_id=${envelopeId}&type=envelope.opened&status=delivered`,
    );
    expect(byType.body.items.map((i) => i.id)).toEqual([ids[1]]);
    const none = await sandbox.api<{ items: DeliveryView[] }>(
      'GET',
      `/v1/webhook-deliveries?envelope_id=${envelopeId}&status=failed`,
    );
    expect(none.body.items).toEqual([]);
    const bad = await sandbox.api<{ code: string }>('GET', '/v1/webhook-deliveries?limit=500&before=abc');
    expect(bad).toMatchObject({ status: 400, body: { code: 'REQUEST.INVALID' } });
  });

  it('refuses the API without the key', async () => {
    for (const path of ['/v1/webhook-deliveries', '/v1/webhook-deliveries/msg_x', '/v1/faults']) {
      const reply = await sandbox.api<{ code: string }>('GET', path, undefined, null);
      expect(reply).toMatchObject({ status: 401, body: { code: 'AUTH.UNAUTHENTICATED' } });
    }
    const wrong = await sandbox.api('PUT', '/v1/faults', { duplicate: true }, 'wrong-key-wrong-key');
    expect(wrong.status).toBe(401);
    expect(sandbox.outbox.faults().duplicate).toBe(false);
  });
});
