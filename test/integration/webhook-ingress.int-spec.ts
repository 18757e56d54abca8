import { randomBytes, randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { InboxWriter } from '@app/webhook-ingestion';
import { registerParty } from '../support/scenario';
import {
  postWebhook,
  signedDelivery,
  startTestApp,
  TEST_SECRET,
  waitForStatus,
  type TestApp,
} from '../support/test-app';
import { connectTestDatabase } from '../support/test-db';

const OLD_SECRET = `whsec_${Buffer.from('signbridge-previous-secret-9876543210').toString('base64')}`;

/** Every answer of POST /webhooks/:provider, against the real database and queue. */
describe('POST /webhooks/:provider', () => {
  let target: TestApp;
  let db: DataSource;

  beforeAll(async () => {
    target = await startTestApp({
      redis: true,
      env: { SANDBOX_WEBHOOK_SECRETS: `${TEST_SECRET},${OLD_SECRET}`, WEBHOOK_MAX_BODY_BYTES: '4096' },
    });
    db = await connectTestDatabase(4);
  });
  afterAll(async () => {
    await target.close();
    await db.destroy();
  });

  const rowsFor = async (providerEventId: string) =>
    (await db.query(`SELECT id, status, raw_body, headers FROM inbound_events WHERE provider_event_id = $1`, [
      providerEventId,
    ])) as { id: string; status: string; raw_body: Buffer; headers: Record<string, string> }[];

  const opened = (envelopeId = `env_${randomUUID()}`) => ({
    type: 'envelope.opened',
    timestamp: new Date().toISOString(),
    data: { envelope_id: envelopeId },
  });

  it('200: stores the raw body and headers verbatim before answering', async () => {
    const delivery = signedDelivery(
      `{"type":"envelope.opened",  "timestamp":"2026-11-26T10:00:00Z","data":{"envelope_id":"env_${randomUUID()}"}}`,
    );
    const response = await postWebhook(target.url, delivery);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { received: boolean; duplicate: boolean; id: string };
    expect(body).toMatchObject({ received: true, duplicate: false });
    const [row] = await rowsFor(delivery.id);
    expect(row.id).toBe(body.id);
    expect(row.raw_body.toString('utf8')).toBe(delivery.body);
    expect(row.headers['webhook-signature']).toBe(delivery.headers['webhook-signature']);
  });

  it('200 with duplicate: true for a repeat, which changes nothing', async () => {
    const delivery = signedDelivery(opened());
    expect((await postWebhook(target.url, delivery)).status).toBe(200);
    const repeat = await postWebhook(target.url, delivery);
    expect(repeat.status).toBe(200);
    expect(await repeat.json()).toMatchObject({ received: true, duplicate: true });
    expect(await rowsFor(delivery.id)).toHaveLength(1);
  });

  it('accepts a signature made with either secret during a rotation', async () => {
    const delivery = signedDelivery(opened(), { secret: OLD_SECRET });
    expect((await postWebhook(target.url, delivery)).status).toBe(200);
    expect(await rowsFor(delivery.id)).toHaveLength(1);
  });

  it.each([
    [
      'a bad signature',
      () => {
        const delivery = signedDelivery(opened());
        const forged = `v1,${Buffer.alloc(32, 7).toString('base64')}`;
        return { ...delivery, headers: { ...delivery.headers, 'webhook-signature': forged } };
      },
    ],
    [
      'a signature from an unknown secret',
      () =>
        signedDelivery(opened(), { secret: `whsec_${Buffer.from('someone-else-entirely-000').toString('base64')}` }),
    ],
    ['a timestamp 6 minutes old', () => signedDelivery(opened(), { timestamp: Math.floor(Date.now() / 1000) - 360 })],
    ['a timestamp 6 minutes ahead', () => signedDelivery(opened(), { timestamp: Math.floor(Date.now() / 1000) + 360 })],
  ])('401 for %s, and nothing stored', async (_case, make) => {
    const delivery = make();
    const response = await postWebhook(target.url, delivery);
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    const problem = (await response.json()) as { code: string };
    expect(problem.code).toMatch(/^WEBHOOK\.(SIGNATURE_INVALID|TIMESTAMP_OUT_OF_TOLERANCE)$/);
    expect(await rowsFor(delivery.id)).toHaveLength(0);
  });

  it('401 for a tampered body or missing headers', async () => {
    const delivery = signedDelivery(opened());
    const tampered = await postWebhook(target.url, { ...delivery, body: delivery.body.replace('opened', 'signed') });
    expect(tampered.status).toBe(401);
    const { 'webhook-signature': _dropped, ...unsigned } = delivery.headers;
    const missing = await postWebhook(target.url, { ...delivery, headers: unsigned });
    expect(missing.status).toBe(401);
    expect(await rowsFor(delivery.id)).toHaveLength(0);
  });

  it('400 naming the field for an authentic but malformed body', async () => {
    const noEnvelope = signedDelivery({ type: 'envelope.opened', timestamp: new Date().toISOString(), data: {} });
    const response = await postWebhook(target.url, noEnvelope);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: 'WEBHOOK.MALFORMED', field: 'data.envelope_id' });
    const notJson = signedDelivery('{"type": "envelope.opened", ');
    expect((await postWebhook(target.url, notJson)).status).toBe(400);
    expect(await rowsFor(noEnvelope.id)).toHaveLength(0);
  });

  it('400 for a NUL character PostgreSQL could not store, while the deliveries beside it are stored', async () => {
    const poisoned = signedDelivery(opened(`env_${randomUUID()}\u0000`));
    const beside = Array.from({ length: 5 }, () => signedDelivery(opened()));
    const answers = await Promise.all([poisoned, ...beside].map((d) => postWebhook(target.url, d)));
    expect(answers.map((a) => a.status)).toEqual([400, 200, 200, 200, 200, 200]);
    expect(await answers[0].json()).toMatchObject({ code: 'WEBHOOK.MALFORMED', field: 'data.envelope_id' });
    for (const delivery of beside) expect(await rowsFor(delivery.id)).toHaveLength(1);
  });

  it('400 for an event id too long to index (any adapter), and nothing stored', async () => {
    const delivery = signedDelivery(opened(), { id: `msg_${randomBytes(200).toString('hex')}` });
    const response = await postWebhook(target.url, delivery);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      code: 'WEBHOOK.MALFORMED',
      field: 'event id',
      detail: 'the event id exceeds 255 characters',
    });
    expect(await rowsFor(delivery.id)).toHaveLength(0);
    const longest = signedDelivery(opened(), { id: `msg_${'m'.repeat(251)}` });
    expect((await postWebhook(target.url, longest)).status).toBe(200);
  });

  it('a value PostgreSQL refuses fails only its own delivery, not the group commit it shares', async () => {
    // Past the adapter's checks (a future adapter may miss one): the writer itself must isolate the bad row.
    const writer = target.app.get(InboxWriter);
    const event = (envelopeId: string) => ({
      provider: 'sandbox',
      providerEventId: `msg_${randomUUID()}`,
      providerType: 'envelope.opened',
      envelopeId,
      headers: {},
      rawBody: Buffer.from('{}'),
      status: 'ignored' as const,
    });
    // A NUL (a data exception), then, in a commit of its own, an id too large to index (a program limit).
    const tooLong = { ...event('env_d'), providerEventId: randomBytes(3000).toString('hex') };
    for (const bad of [event('env_\u0000'), tooLong]) {
      const good = [event('env_a'), event('env_b'), event('env_c')];
      const results = await Promise.allSettled([writer.store(bad), ...good.map((e) => writer.store(e))]);
      expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled', 'fulfilled', 'fulfilled']);
      for (const e of good) expect(await rowsFor(e.providerEventId)).toHaveLength(1);
    }
  });

  it('413 for a body over the configured limit', async () => {
    const big = signedDelivery({ ...opened(), padding: 'x'.repeat(5000) });
    const response = await postWebhook(target.url, big);
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ code: 'REQUEST.BODY_TOO_LARGE' });
    expect(await rowsFor(big.id)).toHaveLength(0);
  });

  it('415 REQUEST.UNSUPPORTED_MEDIA_TYPE for a body without a content type', async () => {
    const delivery = signedDelivery(opened());
    const response = await postWebhook(target.url, {
      ...delivery,
      headers: { ...delivery.headers, 'content-type': '' },
    });
    expect(response.status).toBe(415);
    expect(await response.json()).toMatchObject({ code: 'REQUEST.UNSUPPORTED_MEDIA_TYPE' });
    expect(await rowsFor(delivery.id)).toHaveLength(0);
  });

  it('404 for an unknown provider', async () => {
    const response = await postWebhook(target.url, signedDelivery(opened()), 'no-such-platform');
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ code: 'WEBHOOK.UNKNOWN_PROVIDER' });
  });

  it('stores an unknown event type as ignored, never an error', async () => {
    const delivery = signedDelivery({ type: 'envelope.reminder_sent', timestamp: new Date().toISOString(), data: {} });
    expect((await postWebhook(target.url, delivery)).status).toBe(200);
    const [row] = await rowsFor(delivery.id);
    expect(row.status).toBe('ignored');
  });

  it('the same delivery 50 times at once: one inbound row, one timeline entry, one transition', async () => {
    const party = await registerParty(target.url, { signers: 1 });
    const delivery = signedDelivery({
      type: 'envelope.delivered',
      timestamp: new Date().toISOString(),
      data: { envelope_id: party.envelopeId },
    });
    const responses = await Promise.all(Array.from({ length: 50 }, () => postWebhook(target.url, delivery)));
    expect(responses.map((r) => r.status)).toEqual(Array(50).fill(200));
    const bodies = (await Promise.all(responses.map((r) => r.json()))) as { duplicate: boolean }[];
    expect(bodies.filter((b) => !b.duplicate)).toHaveLength(1);
    expect(await rowsFor(delivery.id)).toHaveLength(1);

    await waitForStatus(target.url, `/api/v1/contracts/${party.contractId}`, 'delivered');
    const timeline: { event_key: string }[] = await db.query(
      `SELECT event_key FROM contract_timeline WHERE contract_id = $1 AND kind = 'provider_event'`,
      [party.contractId],
    );
    expect(timeline).toEqual([{ event_key: delivery.id }]);
    const transitions: unknown[] = await db.query(
      `SELECT 1 FROM outbox WHERE aggregate_id = $1 AND type = 'ContractDelivered'`,
      [party.contractId],
    );
    expect(transitions).toHaveLength(1);
  });
});
