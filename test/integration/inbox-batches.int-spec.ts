import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { InboxProcessor } from '@app/webhook-ingestion';
import { registerParty } from '../support/scenario';
import { startTestApp, type TestApp } from '../support/test-app';
import { connectTestDatabase } from '../support/test-db';

/**
 * `inbox.process-batch` applies the events of one ingress commit in one transaction, and one by one if that fails
 * (README, "How an event travels"). The rows are stored here as the ingress stores them, then handed to the
 * processor directly, so that they certainly share a batch.
 */
describe('inbox batches (real PostgreSQL)', () => {
  let app: TestApp;
  let db: DataSource;
  let inbox: InboxProcessor;

  beforeAll(async () => {
    app = await startTestApp();
    db = await connectTestDatabase();
    inbox = app.app.get(InboxProcessor);
  });
  afterAll(async () => {
    await app.close();
    await db.destroy();
  });

  /** A stored, not yet processed delivery of the sandbox platform; `body` as given, or its JSON. */
  async function stored(envelopeId: string, body: object | Buffer): Promise<string> {
    const id = randomUUID();
    const raw = Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
    const type = Buffer.isBuffer(body) ? 'unknown' : String((body as { type: string }).type);
    await db.query(
      `INSERT INTO inbound_events (id, provider, provider_event_id, provider_type, envelope_id, headers, raw_body, status)
       VALUES ($1, 'sandbox', $2, $3, $4, '{}', $5, 'received')`,
      [id, `msg_${randomUUID()}`, type, envelopeId, raw],
    );
    return id;
  }

  const event = (type: string, envelopeId: string, secondsAgo: number) => ({
    type,
    timestamp: new Date(Date.now() - secondsAgo * 1000).toISOString(),
    data: { envelope_id: envelopeId },
  });

  const rows = async (ids: string[]) =>
    (await db.query(
      `SELECT id, status, last_error, xmin::text AS tx FROM inbound_events WHERE id = ANY($1::uuid[]) ORDER BY received_at, id`,
      [ids],
    )) as { id: string; status: string; last_error: string | null; tx: string }[];

  const statusOf = async (contractId: string) =>
    ((await db.query(`SELECT status FROM contracts WHERE id = $1`, [contractId])) as { status: string }[])[0].status;

  it('applies the events of one ingress commit in one transaction, each envelope in its own order', async () => {
    const one = await registerParty(app.url);
    const other = await registerParty(app.url);
    const ids = [
      await stored(one.envelopeId, event('envelope.delivered', one.envelopeId, 20)),
      await stored(other.envelopeId, event('envelope.delivered', other.envelopeId, 20)),
      await stored(one.envelopeId, event('envelope.opened', one.envelopeId, 10)),
    ];
    expect(await inbox.processBatch(ids, { jobId: 'test', attempt: 1 })).toBe('done');

    const [first, second, third] = await rows(ids);
    expect([first.status, second.status, third.status]).toEqual(['processed', 'processed', 'processed']);
    // xmin is the id of the transaction that last wrote the row: the three share one.
    expect(new Set([first.tx, second.tx, third.tx]).size).toBe(1);
    expect(await statusOf(one.contractId)).toBe('opened');
    expect(await statusOf(other.contractId)).toBe('delivered');

    // Handed over again (a retried job): nothing is received any more, nothing changes.
    expect(await inbox.processBatch(ids, { jobId: 'test', attempt: 2 })).toBe('skipped');
  });

  it('runs them one by one when their transaction fails: only the bad one fails, and says why', async () => {
    const party = await registerParty(app.url);
    const good = await stored(party.envelopeId, event('envelope.delivered', party.envelopeId, 20));
    const bad = await stored(party.envelopeId, Buffer.from('{"type": "envelope.opened", "data": '));
    // The last attempt the queue allows, so the failure is final and the sweeper leaves the row alone.
    await expect(inbox.processBatch([good, bad], { jobId: 'test', attempt: 1000 })).rejects.toThrow(/JSON/);

    const byId = new Map((await rows([good, bad])).map((r) => [r.id, r]));
    expect(byId.get(good)?.status).toBe('processed');
    expect(byId.get(bad)).toMatchObject({ status: 'failed', last_error: expect.stringMatching(/JSON/) });
    expect(await statusOf(party.contractId)).toBe('delivered');
  });
});
