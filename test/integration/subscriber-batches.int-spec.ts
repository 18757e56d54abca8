import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { JobRegistry, SubscriberRunner } from '@app/event-bus';
import { appendContractActivated } from '../support/outbox';
import { createCustomer } from '../support/scenario';
import { startTestApp, type TestApp } from '../support/test-app';
import { connectTestDatabase } from '../support/test-db';

const SUBSCRIBER = 'contracts.activate-customer';

/**
 * Batched subscribers (README, "Subscribers in batches"): deliveries that wait together share one transaction,
 * whichever batched subscriber each is for, and a delivery that fails there fails alone. Driven through the runner itself, so that the deliveries
 * certainly wait together; a receipt's `xmin` (the id of the transaction that wrote it) tells which shared one.
 */
describe('batched subscriber deliveries (real PostgreSQL)', () => {
  let app: TestApp;
  let db: DataSource;
  let runner: SubscriberRunner;

  beforeAll(async () => {
    app = await startTestApp();
    db = await connectTestDatabase();
    runner = app.app.get(SubscriberRunner);
  });
  afterAll(async () => {
    await app.close();
    await db.destroy();
  });

  /** A ContractActivated for each customer id, in the outbox and marked dispatched: only this test delivers it. */
  async function activations(customerIds: readonly string[]): Promise<string[]> {
    const ids: string[] = [];
    for (const customerId of customerIds) ids.push((await appendContractActivated(app, customerId)).id);
    await db.query(`UPDATE outbox SET dispatched_at = now() WHERE id = ANY($1::uuid[])`, [ids]);
    return ids;
  }

  const receipts = async (eventIds: readonly string[]) =>
    (await db.query(
      `SELECT event_id, outcome, xmin::text AS tx FROM subscriber_receipts WHERE subscriber = $2 AND event_id = ANY($1::uuid[])`,
      [eventIds, SUBSCRIBER],
    )) as { event_id: string; outcome: string; tx: string }[];

  const activeCustomers = async (customerIds: readonly string[]) =>
    Number(
      (
        await db.query(`SELECT count(*) AS n FROM customers WHERE id = ANY($1::uuid[]) AND status = 'active'`, [
          customerIds,
        ])
      )[0].n,
    );

  it('runs deliveries that wait together in one transaction, an event asked for twice once', async () => {
    const customers = await Promise.all(Array.from({ length: 12 }, () => createCustomer(app.url)));
    const events = await activations(customers);
    const outcomes = await Promise.all(
      [...events, events[0]].map((eventId) => runner.deliver({ eventId, subscriber: SUBSCRIBER })),
    );
    expect(outcomes.slice(0, 12)).toEqual(Array(12).fill('done'));
    expect(outcomes[12]).toBe('skipped');
    const stored = await receipts(events);
    expect(stored).toHaveLength(12);
    expect(new Set(stored.map((r) => r.tx)).size).toBe(1);
    expect(await activeCustomers(customers)).toBe(12);
    const emitted: { n: string }[] = await db.query(
      `SELECT count(*) AS n FROM outbox WHERE type = 'CustomerActivated' AND aggregate_id = ANY($1::uuid[])`,
      [customers],
    );
    expect(Number(emitted[0].n)).toBe(12);

    // Delivered again (a redelivered job): every one finds its receipt and changes nothing.
    const again = await Promise.all(events.map((eventId) => runner.deliver({ eventId, subscriber: SUBSCRIBER })));
    expect(again).toEqual(Array(12).fill('skipped'));
  });

  it("runs an event's batched subscribers in one transaction too, each with its own receipt, the lastInBatch one last", async () => {
    const customer = await createCustomer(app.url);
    const [event] = await activations([customer]);
    // The contract is made up: the first invoice and the provisioning runs find nothing to do, and skip.
    const subscribers = ['invoicing.issue-first-invoice', SUBSCRIBER, 'provisioning.start-runs'] as const;
    // Which handler ran when: the first invoice's (lastInBatch, for its chain lock) after the others.
    const registry = app.app.get(JobRegistry);
    const ran: string[] = [];
    const lookup = registry.subscriber.bind(registry);
    const spy = jest.spyOn(registry, 'subscriber').mockImplementation((name) => {
      const handler = lookup(name);
      return (event, em) => {
        ran.push(name);
        return handler(event, em);
      };
    });
    const outcomes = await Promise.all(subscribers.map((subscriber) => runner.deliver({ eventId: event, subscriber })));
    spy.mockRestore();
    expect(outcomes).toEqual(['skipped', 'done', 'skipped']);
    expect(ran).toEqual([SUBSCRIBER, 'provisioning.start-runs', 'invoicing.issue-first-invoice']);
    const stored: { subscriber: string; outcome: string; tx: string }[] = await db.query(
      `SELECT subscriber, outcome, xmin::text AS tx FROM subscriber_receipts WHERE event_id = $1 ORDER BY subscriber`,
      [event],
    );
    expect(stored.map(({ subscriber, outcome }) => [subscriber, outcome])).toEqual([
      [SUBSCRIBER, 'done'],
      ['invoicing.issue-first-invoice', 'skipped'],
      ['provisioning.start-runs', 'skipped'],
    ]);
    expect(new Set(stored.map((r) => r.tx)).size).toBe(1);
    expect(await activeCustomers([customer])).toBe(1);
  });

  it('fails only the delivery at fault when the shared transaction fails; the others commit alone', async () => {
    const customers = await Promise.all(Array.from({ length: 5 }, () => createCustomer(app.url)));
    const good = await activations(customers);
    // Not a uuid: the customer update fails inside the transaction and aborts it for everyone in it.
    const [bad] = await activations(['not-a-uuid']);
    const settled = await Promise.allSettled(
      [good[0], good[1], bad, ...good.slice(2)].map((eventId) => runner.deliver({ eventId, subscriber: SUBSCRIBER })),
    );
    expect(settled.map((s) => s.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'rejected',
      'fulfilled',
      'fulfilled',
      'fulfilled',
    ]);
    expect((settled[2] as PromiseRejectedResult).reason).toHaveProperty('message', expect.stringMatching(/uuid/));
    const stored = await receipts([...good, bad]);
    expect(stored.map((r) => r.event_id).sort()).toEqual([...good].sort());
    expect(new Set(stored.map((r) => r.tx)).size).toBe(5);
    expect(await activeCustomers(customers)).toBe(5);
    // Settled by hand, so that no sweeper retries this event for the rest of the run.
    await db.query(`INSERT INTO subscriber_receipts (event_id, subscriber, outcome) VALUES ($1, $2, 'skipped')`, [
      bad,
      SUBSCRIBER,
    ]);
  });

  it('refuses an event that is not in the outbox, without failing the others', async () => {
    const customers = await Promise.all(Array.from({ length: 2 }, () => createCustomer(app.url)));
    const good = await activations(customers);
    const missing = randomUUID();
    const settled = await Promise.allSettled(
      [good[0], missing, good[1]].map((eventId) => runner.deliver({ eventId, subscriber: SUBSCRIBER })),
    );
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((settled[1] as PromiseRejectedResult).reason).toHaveProperty(
      'message',
      `Outbox event ${missing} does not exist`,
    );
    expect(await activeCustomers(customers)).toBe(2);
  });
});
