import { randomBytes, randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { encodeCursor, hashApiKey } from '@app/common';
import {
  api,
  eventually,
  postWebhook,
  signedDelivery,
  startTestApp,
  TEST_ADMIN_KEY,
  type TestApp,
} from '../support/test-app';
import { connectTestDatabase } from '../support/test-db';

type Problem = { type: string; title: string; status: number; code: string; detail: string; fields?: Field[] };
type Field = { field: string; problem: string };
type Customer = { id: string; externalRef: string; status: string; email: string; createdAt: string };
type Signer = { email: string; signedAt: string | null };
type Contract = { id: string; customerId: string; status: string; amount: Money; signers: Signer[] };
type Money = { currency: string; amountCents: number };
type Page<T> = { items: T[]; nextCursor: string | null };
type InboundEvent = { id: string; status: string; attempts: number; providerType: string } & Verbatim;
type Verbatim = { body: string; headers: Record<string, string> };

/** The ERP and staff API over HTTP, against the real database and the in-process queue. */
describe('ERP API /api/v1', () => {
  let target: TestApp;
  let db: DataSource;
  const tag = () => randomUUID().slice(0, 8);
  const call = <T = Problem>(method: string, path: string, body?: unknown, key?: string) =>
    api<T>(target.url, method, path, body, key);

  beforeAll(async () => {
    target = await startTestApp();
    db = await connectTestDatabase();
  });
  afterAll(async () => {
    await target.close();
    await db.destroy();
  });

  async function createKey(scopes: string[], revoked = false): Promise<string> {
    const key = `sb_test_${randomBytes(24).toString('base64url')}`;
    await db.query(
      `INSERT INTO api_keys (id, name, prefix, key_hash, scopes, revoked_at)
       VALUES ($1, 'erp-api test', $2, $3, $4, CASE WHEN $5 THEN now() END)`,
      [randomUUID(), key.slice(0, 10), hashApiKey(key), scopes, revoked],
    );
    return key;
  }

  const newCustomer = (overrides: Record<string, unknown> = {}) => {
    const t = tag();
    return { externalRef: `erp-${t}`, name: `Customer ${t}`, email: `billing-${t}@example.test`, ...overrides };
  };
  const ADDRESS = { line1: 'Calle Mayor 1', city: 'Madrid', postalCode: '28013', country: 'ES' };
  async function createCustomer(overrides: Record<string, unknown> = {}): Promise<Customer> {
    const res = await call<Customer>('POST', '/api/v1/customers', newCustomer(overrides));
    expect(res.status).toBe(201);
    return res.body;
  }
  const newContract = (customerId: string, overrides: Record<string, unknown> = {}) => ({
    customerId,
    provider: 'sandbox',
    envelopeId: `env_${randomUUID()}`,
    signers: [{ email: `ana-${tag()}@example.test`, name: 'Ana' }],
    amount: { currency: 'EUR', amountCents: 120000 },
    ...overrides,
  });
  function expectProblem(res: { status: number; body: unknown }, status: number, code: string): Problem {
    expect({ status: res.status, code: (res.body as Problem).code }).toEqual({ status, code });
    return res.body as Problem;
  }
  const fieldsOf = (problem: Problem) => (problem.fields ?? []).map((f) => f.field);

  describe('authentication and scopes', () => {
    it('401 problem+json without an Authorization header', async () => {
      const response = await fetch(`${target.url}/api/v1/customers`);
      expect(response.status).toBe(401);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      const body = (await response.json()) as Problem;
      expect(body).toMatchObject({ status: 401, code: 'AUTH.UNAUTHENTICATED', title: 'Unauthorized' });
      expect(typeof body.type).toBe('string');
      expect(typeof body.detail).toBe('string');
    });

    it('401 for an unknown key and for a revoked one', async () => {
      expectProblem(await call('GET', '/api/v1/customers', undefined, 'sb_nope'), 401, 'AUTH.UNAUTHENTICATED');
      const revoked = await createKey(['admin'], true);
      expectProblem(await call('GET', '/api/v1/customers', undefined, revoked), 401, 'AUTH.UNAUTHENTICATED');
    });

    it('403 when the key lacks the scope; 2xx when it has it', async () => {
      const staff = await createKey(['staff']);
      const erp = await createKey(['erp']);
      expectProblem(await call('POST', '/api/v1/customers', newCustomer(), staff), 403, 'AUTH.FORBIDDEN');
      expectProblem(await call('GET', '/api/v1/inbound-events', undefined, erp), 403, 'AUTH.FORBIDDEN');
      expect((await call('POST', '/api/v1/customers', newCustomer(), erp)).status).toBe(201);
      expect((await call('GET', '/api/v1/inbound-events?limit=1', undefined, staff)).status).toBe(200);
    });
  });

  describe('customers', () => {
    it('201 pending, e-mail lower-cased; 409 for a taken externalRef', async () => {
      const body = newCustomer({ email: 'Billing.Dept@ACME.Example' });
      const res = await call<Customer>('POST', '/api/v1/customers', body);
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({
        externalRef: body.externalRef,
        status: 'pending',
        email: 'billing.dept@acme.example',
      });
      expect(res.body.id).toMatch(/^[0-9a-f-]{36}$/);
      const again = await call('POST', '/api/v1/customers', newCustomer({ externalRef: body.externalRef }));
      expectProblem(again, 409, 'CUSTOMER.EXTERNAL_REF_TAKEN');
      expect((await call<Customer>('GET', `/api/v1/customers/${res.body.id}`)).body.email).toBe(
        'billing.dept@acme.example',
      );
    });

    it.each([
      ['name', { name: undefined }],
      ['email', { email: 'not-an-email' }],
      ['address.country', { address: { line1: 'Calle Mayor 1', city: 'Madrid', postalCode: '28013', country: 'es' } }],
      ['isVip', { isVip: true }],
    ])('400 REQUEST.INVALID naming %s', async (field, overrides) => {
      const res = await call('POST', '/api/v1/customers', newCustomer(overrides));
      expect(fieldsOf(expectProblem(res, 400, 'REQUEST.INVALID'))).toContain(field);
    });

    it('400, not 500, for a body nested thousands deep or a NUL character, and stores nothing', async () => {
      const deep = await fetch(`${target.url}/api/v1/customers`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'content-type': 'application/json' },
        body: `{"externalRef":"deep","name":"A","email":"a@example.test","address":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}`,
      });
      const deepProblem = (await deep.json()) as Problem;
      expect({ status: deep.status, code: deepProblem.code }).toEqual({ status: 400, code: 'REQUEST.INVALID' });
      expect(deepProblem.detail).toMatch(/^address(\.a)+: nests deeper than 32 levels$/);

      const body = newCustomer({
        address: { line1: 'Calle Mayor\u00001', city: 'Madrid', postalCode: '28013', country: 'ES' },
      });
      const nul = await call('POST', '/api/v1/customers', body);
      expect(fieldsOf(expectProblem(nul, 400, 'REQUEST.INVALID'))).toEqual(['address.line1']);
      const [{ count }]: { count: number }[] = await db.query(
        `SELECT count(*)::int AS count FROM customers WHERE external_ref = $1`,
        [body.externalRef],
      );
      expect(count).toBe(0);
    });

    it('404 for an unknown id, 400 for a non-uuid one', async () => {
      expectProblem(await call('GET', `/api/v1/customers/${randomUUID()}`), 404, 'CUSTOMER.NOT_FOUND');
      expectProblem(await call('GET', '/api/v1/customers/42'), 400, 'REQUEST.INVALID');
    });

    it('pages with nextCursor until null, each customer exactly once, filtered by status', async () => {
      const mine = [await createCustomer(), await createCustomer(), await createCustomer()];
      // Start just before our first customer: the shared table holds every earlier run's customers.
      const start = encodeCursor({
        createdAt: new Date(Date.parse(mine[0].createdAt) - 1).toISOString(),
        id: '00000000-0000-0000-0000-000000000000',
      });
      const seen: Customer[] = [];
      let cursor: string | null = start;
      let pages = 0;
      while (cursor !== null) {
        const query: string = `limit=2&status=pending&cursor=${encodeURIComponent(cursor)}`;
        const res = await call<Page<Customer>>('GET', `/api/v1/customers?${query}`);
        expect(res.status).toBe(200);
        expect(res.body.items.length).toBeLessThanOrEqual(2);
        seen.push(...res.body.items);
        cursor = res.body.nextCursor;
        pages += 1;
        expect(pages).toBeLessThan(500);
      }
      expect(pages).toBeGreaterThanOrEqual(2);
      const ids = seen.map((c) => c.id);
      expect(new Set(ids).size).toBe(ids.length);
      for (const customer of mine) expect(ids.filter((id) => id === customer.id)).toHaveLength(1);
      expect(seen.every((c) => c.status === 'pending')).toBe(true);

      const active = await call<Page<Customer>>('GET', `/api/v1/customers?status=active&cursor=${start}`);
      expect(active.status).toBe(200);
      expect(active.body.items.map((c) => c.id)).not.toContain(mine[0].id);
      expect(active.body.items.filter((c) => c.status !== 'active')).toEqual([]);
      expectProblem(await call('GET', '/api/v1/customers?status=bogus'), 400, 'REQUEST.INVALID');
    });

    it('400 naming the cursor for a garbage cursor', async () => {
      const res = await call('GET', '/api/v1/customers?cursor=not-a-cursor');
      expect(fieldsOf(expectProblem(res, 400, 'REQUEST.INVALID'))).toEqual(['cursor']);
    });
  });

  describe('contracts', () => {
    it('201 sent, nobody signed yet, the amount as given; its timeline holds only "registered"', async () => {
      const customer = await createCustomer();
      const body = newContract(customer.id, { amount: { currency: 'USD', amountCents: 99 } });
      const res = await call<Contract>('POST', '/api/v1/contracts', body);
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({
        customerId: customer.id,
        status: 'sent',
        amount: { currency: 'USD', amountCents: 99 },
      });
      expect(res.body.signers).toEqual([expect.objectContaining({ email: body.signers[0].email, signedAt: null })]);

      const timeline = await call<{ items: { kind: string; type: string; statusAfter: string }[] }>(
        'GET',
        `/api/v1/contracts/${res.body.id}/timeline`,
      );
      expect(timeline.body.items).toEqual([
        expect.objectContaining({ kind: 'system', type: 'registered', statusAfter: 'sent' }),
      ]);
    });

    it('404 for an unknown customer, 409 for an envelope already registered', async () => {
      const unknown = await call('POST', '/api/v1/contracts', newContract(randomUUID()));
      expectProblem(unknown, 404, 'CUSTOMER.NOT_FOUND');
      const customer = await createCustomer();
      const body = newContract(customer.id);
      expect((await call('POST', '/api/v1/contracts', body)).status).toBe(201);
      const twice = await call('POST', '/api/v1/contracts', newContract(customer.id, { envelopeId: body.envelopeId }));
      expectProblem(twice, 409, 'CONTRACT.ENVELOPE_TAKEN');
    });

    it('400 CONTRACT.INVALID for two signers sharing an e-mail in different case', async () => {
      const customer = await createCustomer();
      const signers = [
        { email: 'ana@acme.example', name: 'Ana' },
        { email: 'ANA@Acme.Example', name: 'Ana again' },
      ];
      const res = await call('POST', '/api/v1/contracts', newContract(customer.id, { signers }));
      expectProblem(res, 400, 'CONTRACT.INVALID');
    });

    it.each([
      ['amount.amountCents', { amount: { currency: 'EUR', amountCents: 12.5 } }],
      ['amount.amountCents', { amount: { currency: 'EUR', amountCents: -1 } }],
      // Not a currency; a currency without cents (yen) or with thousandths (Kuwaiti dinar): billed wrong in cents.
      ['amount.currency', { amount: { currency: 'ZZZ', amountCents: 100 } }],
      ['amount.currency', { amount: { currency: 'JPY', amountCents: 100 } }],
      ['amount.currency', { amount: { currency: 'KWD', amountCents: 100 } }],
      ['amount.currency', { amount: { currency: 'eur', amountCents: 100 } }],
      ['requiredSignatureLevel', { requiredSignatureLevel: 'ultra' }],
    ])('400 REQUEST.INVALID naming %s', async (field, overrides) => {
      const customer = await createCustomer();
      const res = await call('POST', '/api/v1/contracts', newContract(customer.id, overrides));
      expect(fieldsOf(expectProblem(res, 400, 'REQUEST.INVALID'))).toContain(field);
    });

    it.each([
      ['no boundary', 'multipart/form-data', 'x'],
      [
        'a body cut short',
        'multipart/form-data; boundary=b',
        '--b\r\nContent-Disposition: form-data; name="contract"\r\n\r\n{',
      ],
    ])('400, not 500, for a multipart upload with %s', async (_case, contentType, body) => {
      const res = await fetch(`${target.url}/api/v1/contracts`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'content-type': contentType },
        body,
      });
      const problem = (await res.json()) as Problem;
      expect({ status: res.status, code: problem.code }).toEqual({ status: 400, code: 'REQUEST.INVALID' });
      expect(problem.detail).toMatch(/^body: not readable as multipart\/form-data \(/);
    });

    it("lists only the given customer's contracts", async () => {
      const [a, b] = [await createCustomer(), await createCustomer()];
      const ids: string[] = [];
      for (const customerId of [a.id, b.id, a.id]) {
        const res = await call<Contract>('POST', '/api/v1/contracts', newContract(customerId));
        ids.push(res.body.id);
      }
      const list = await call<Page<Contract>>('GET', `/api/v1/contracts?customerId=${a.id}`);
      expect(list.body.items.map((c) => c.id).sort()).toEqual([ids[0], ids[2]].sort());
      expect(list.body.nextCursor).toBeNull();
    });
  });

  describe('what a contract bills and provisions', () => {
    it('keeps invoice lines (or a plan) and provisioning actions, and shows them back', async () => {
      const customer = await createCustomer({ address: ADDRESS });
      const billing = { lines: [{ description: 'Setup', quantity: 1, unitPriceCents: 15000, vatRate: 21 }] };
      const provisioning = [
        { action: 'access-credentials', params: { plan: 'pro', seats: 5 } },
        { action: 'warehouse-order', params: { sku: 'KIT-1' } },
      ];
      const created = await call<{ billing: unknown; provisioning: unknown }>(
        'POST',
        '/api/v1/contracts',
        newContract(customer.id, { billing, provisioning }),
      );
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ billing, provisioning });
      const plan = await call<{ billing: unknown; provisioning: unknown }>(
        'POST',
        '/api/v1/contracts',
        newContract(customer.id, { billing: { plan: 'basic' } }),
      );
      expect(plan.body).toMatchObject({ billing: { plan: 'basic' }, provisioning: [] });
    });

    it("bills a customer without an address only when the contract's billing party gives one", async () => {
      const customer = await createCustomer();
      const refused = expectProblem(
        await call('POST', '/api/v1/contracts', newContract(customer.id, { billing: { plan: 'basic' } })),
        400,
        'CONTRACT.INVALID',
      );
      expect(refused).toMatchObject({ field: 'billing.party.address' });
      const party = { name: 'Acme Holding S.A.', email: 'ap@acme.example', address: ADDRESS };
      const created = await call<{ billing: unknown }>(
        'POST',
        '/api/v1/contracts',
        newContract(customer.id, { billing: { plan: 'basic', party } }),
      );
      expect(created.status).toBe(201);
      expect(created.body.billing).toEqual({ plan: 'basic', party });
      // A contract that bills nothing needs no address.
      expect((await call('POST', '/api/v1/contracts', newContract(customer.id))).status).toBe(201);
    });

    it.each([
      [
        'both lines and a plan',
        { billing: { plan: 'basic', lines: [{ description: 'x', quantity: 1, unitPriceCents: 1, vatRate: 21 }] } },
        'billing',
      ],
      ['an unknown plan', { billing: { plan: 'platinum' } }, 'billing.plan'],
      ['a plan named like an object property', { billing: { plan: 'constructor' } }, 'billing.plan'],
      [
        'a VAT rate with three decimals',
        { billing: { lines: [{ description: 'x', quantity: 1, unitPriceCents: 1, vatRate: 21.005 }] } },
        'billing.lines.0.vatRate',
      ],
      [
        'an action twice',
        { provisioning: [{ action: 'warehouse-order' }, { action: 'warehouse-order' }] },
        'provisioning',
      ],
      ['an action name with spaces', { provisioning: [{ action: 'Make Account' }] }, 'provisioning.0.action'],
      [
        'a billing party address without a city',
        { billing: { plan: 'basic', party: { address: { line1: 'x', postalCode: '1', country: 'ES' } } } },
        'billing.party.address.city',
      ],
    ])('400 naming the field for %s', async (_case, overrides, field) => {
      const customer = await createCustomer();
      const problem = expectProblem(
        await call('POST', '/api/v1/contracts', newContract(customer.id, overrides)),
        400,
        field.startsWith('billing.lines') || field.startsWith('billing.party') || field.startsWith('provisioning.0')
          ? 'REQUEST.INVALID'
          : 'CONTRACT.INVALID',
      );
      expect([...fieldsOf(problem), (problem as { field?: string }).field]).toContain(field);
    });
  });

  describe('documentation and health', () => {
    it('serves the OpenAPI document: every /api/v1 operation requires the bearer key', async () => {
      const response = await fetch(`${target.url}/docs-json`);
      expect(response.status).toBe(200);
      const doc = (await response.json()) as {
        paths: Record<string, Record<string, { security?: Record<string, string[]>[] }>>;
        components: { schemas: Record<string, unknown> };
      };
      for (const path of ['/api/v1/customers', '/api/v1/contracts/{id}/timeline', '/webhooks/{provider}']) {
        expect(Object.keys(doc.paths)).toContain(path);
      }
      expect(doc.components.schemas.Problem).toMatchObject({ required: expect.arrayContaining(['code', 'status']) });
      const operations = Object.entries(doc.paths)
        .filter(([path]) => path.startsWith('/api/v1/'))
        .flatMap(([path, item]) =>
          Object.entries(item).map(([method, op]) => ({ op: `${method} ${path}`, security: op.security })),
        );
      expect(operations.length).toBeGreaterThanOrEqual(10);
      expect(operations.filter((o) => !o.security?.some((s) => 'bearer' in s)).map((o) => o.op)).toEqual([]);

      const ui = await fetch(`${target.url}/docs`);
      expect(ui.status).toBe(200);
      expect(ui.headers.get('content-type')).toContain('text/html');
    });

    it('reports health without a key', async () => {
      const response = await fetch(`${target.url}/health`);
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({
        status: 'ok',
        checks: { database: { up: true }, queue: { up: true, driver: 'in-process' } },
      });
    });
  });

  describe('inbound events (staff)', () => {
    it('shows a parked event verbatim, and a replay parks it again', async () => {
      const envelopeId = `env_${randomUUID()}`;
      const delivery = signedDelivery({
        type: 'envelope.opened',
        timestamp: new Date().toISOString(),
        data: { envelope_id: envelopeId },
      });
      expect((await postWebhook(target.url, delivery)).status).toBe(200);
      const parked = await eventually(
        async () => {
          const res = await call<Page<InboundEvent>>(
            'GET',
            `/api/v1/inbound-events?status=parked&envelopeId=${envelopeId}`,
          );
          return res.body.items.length > 0 ? res.body.items : undefined;
        },
        { what: 'the event parked' },
      );
      expect(parked).toHaveLength(1);
      const [event] = parked;
      expect(event).toMatchObject({
        status: 'parked',
        providerType: 'envelope.opened',
        body: delivery.body,
        attempts: 1,
      });
      expect(event.headers['webhook-id']).toBe(delivery.id);

      const replay = await call<InboundEvent>('POST', `/api/v1/inbound-events/${event.id}/replay`);
      expect(replay.status).toBe(202);
      expect(replay.body.id).toBe(event.id);
      const after = await eventually(
        async () => {
          const res = await call<InboundEvent>('GET', `/api/v1/inbound-events/${event.id}`);
          return res.body.attempts === 2 && res.body.status === 'parked' ? res.body : undefined;
        },
        { what: 'the replayed event parked again' },
      );
      expect(after.body).toBe(delivery.body);
    });

    it('404 INBOUND_EVENT.NOT_FOUND when replaying an unknown event', async () => {
      const res = await call('POST', `/api/v1/inbound-events/${randomUUID()}/replay`);
      expectProblem(res, 404, 'INBOUND_EVENT.NOT_FOUND');
    });
  });
});

describe('page cursors', () => {
  let target: Awaited<ReturnType<typeof startTestApp>>;
  beforeAll(async () => {
    target = await startTestApp();
  });
  afterAll(async () => {
    await target.close();
  });

  it.each([
    ['an id that is not a uuid', ['2020-01-01T00:00:00.000Z', 'not-a-uuid']],
    ['a time the database would reject', ['1', '00000000-0000-4000-8000-000000000000']],
  ])('400 naming the cursor for %s, never a 500', async (_case, position) => {
    const cursor = Buffer.from(JSON.stringify(position)).toString('base64url');
    const res = await api<{ code: string; fields: { field: string }[] }>(
      target.url,
      'GET',
      `/api/v1/customers?cursor=${cursor}`,
    );
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('REQUEST.INVALID');
    expect(res.body.fields.map((f) => f.field)).toEqual(['cursor']);
  });
});
