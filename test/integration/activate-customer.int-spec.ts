import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AuditLog } from '@app/archive';
import { OutboxRelay } from '@app/event-bus';
import { appendContractActivated } from '../support/outbox';
import { createCustomer } from '../support/scenario';
import { eventually, startTestApp, type TestApp } from '../support/test-app';
import { connectTestDatabase } from '../support/test-db';

/** A customer turns active once: a second activated contract, or a redelivered event, changes nothing. */
describe('customer activation', () => {
  let app: TestApp;
  let db: DataSource;

  beforeAll(async () => {
    app = await startTestApp();
    db = await connectTestDatabase();
  });
  afterAll(async () => {
    await app.close();
    await db.destroy();
  });

  it('emits CustomerActivated once for two ContractActivated of one customer', async () => {
    const customerId = await createCustomer(app.url);
    for (let i = 0; i < 2; i++) {
      await app.app.get(OutboxRelay).dispatch([await appendContractActivated(app, customerId)]);
    }
    const outcomes = await eventually(async () => {
      const receipts: { outcome: string }[] = await db.query(
        `SELECT r.outcome FROM subscriber_receipts r JOIN outbox o ON o.id = r.event_id
          WHERE o.type = 'ContractActivated' AND o.payload->>'customerId' = $1 AND r.subscriber = 'contracts.activate-customer'
          ORDER BY r.outcome`,
        [customerId],
      );
      return receipts.length === 2 ? receipts.map((r) => r.outcome) : undefined;
    });
    // The second found the customer active: it wrote no event, and says it skipped.
    expect(outcomes).toEqual(['done', 'skipped']);
    const activated: unknown[] = await db.query(
      `SELECT 1 FROM outbox WHERE aggregate_id = $1 AND type = 'CustomerActivated'`,
      [customerId],
    );
    expect(activated).toHaveLength(1);
    const [customer]: { status: string }[] = await db.query(`SELECT status FROM customers WHERE id = $1`, [customerId]);
    expect(customer.status).toBe('active');
  });

  it('erasing personal data says whether there was anything to erase', async () => {
    const appDb = app.app.get(DataSource);
    const entry = await appDb.transaction((em) =>
      AuditLog.append(em, {
        actor: 'system',
        action: 'Erasable',
        subject: `test:${randomUUID()}`,
        data: {},
        personal: { email: 'someone@example.test' },
      }),
    );
    const ref = (entry.data.personal as { ref: string }).ref;
    expect(await appDb.transaction((em) => AuditLog.erasePersonalData(em, ref))).toBe(true);
    expect(await appDb.transaction((em) => AuditLog.erasePersonalData(em, ref))).toBe(false);
  });
});
