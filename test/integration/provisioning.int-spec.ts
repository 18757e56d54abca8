import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { appendToOutbox, OutboxRelay, type DomainEventDraft } from '@app/event-bus';
import { verifySignatureHeader } from '@app/common';
import { ProvisioningActionRegistry, ProvisioningRunner } from '@app/provisioning';
import { freePort } from '../support/free-port';
import { ProvisioningTarget } from '../support/provisioning-target';
import { registerParty, type Party } from '../support/scenario';
import { api, eventually, startTestApp, type TestApp } from '../support/test-app';

const SECRET = 'provisioning-test-secret-0123456789';

interface Order {
  id: string;
  contractId: string;
  action: string;
  kind: string;
  status: string;
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  failureReason: string | null;
  response: unknown;
  resultRef: string | null;
  params: Record<string, unknown>;
}

/**
 * Provisioning runs against real HTTP targets (node:http servers that keep state), on the real database and queue.
 * Activation and voids are emitted as domain events through the outbox and the relay (the e2e drives the real
 * signing flow): a voided event cannot follow an activation through the lifecycle, which records it as an anomaly.
 */
describe('provisioning runs', () => {
  const accounts = new ProvisioningTarget('accounts');
  const warehouse = new ProvisioningTarget('orders');
  let warehousePort: number;
  let app: TestApp;
  /** A second SignBridge process on the same database, its target slow: two workers racing for one run. */
  const slow = new ProvisioningTarget('accounts', 300);
  let second: TestApp;

  beforeAll(async () => {
    await accounts.start();
    warehousePort = await freePort(); // the warehouse is down until the test that brings it up
    app = await startTestApp({
      env: {
        PROVISIONING_ACCESS_CREDENTIALS_URL: accounts.url,
        PROVISIONING_WAREHOUSE_ORDER_URL: `http://127.0.0.1:${warehousePort}`,
        PROVISIONING_SECRET: SECRET,
        PROVISIONING_BACKOFF_MS: '100',
        PROVISIONING_MAX_BACKOFF_MS: '1000',
        PROVISIONING_MAX_ATTEMPTS: '6',
        PROVISIONING_TIMEOUT_MS: '2000',
      },
    });
  });
  afterAll(async () => {
    // Closing one Nest app disconnects the other's TypeORM driver, so the second one stays up until the end.
    await second?.close();
    await slow.stop();
    await app.close();
    await accounts.stop();
    await warehouse.stop();
  });

  async function emit(target: TestApp, contractId: string, draft: DomainEventDraft): Promise<void> {
    const dataSource = target.app.get(DataSource);
    const refs = await dataSource.transaction((em) =>
      appendToOutbox(em, [draft], {
        aggregateType: 'contract',
        aggregateId: contractId,
        correlationId: randomUUID(),
        causationId: randomUUID(),
        occurredAt: new Date(),
      }),
    );
    await target.app.get(OutboxRelay).dispatch(refs);
  }

  async function activated(provisioning: { action: string; params?: object }[]): Promise<Party> {
    const party = await registerParty(app.url, {
      signers: 1,
      provisioning: provisioning.map((p) => ({ action: p.action, params: { ...p.params } })),
    });
    await emit(app, party.contractId, { type: 'ContractActivated', data: { customerId: party.customerId } });
    return party;
  }

  const ordersOf = async (contractId: string, query = '') =>
    (await api<{ items: Order[] }>(app.url, 'GET', `/api/v1/provisioning-orders?contractId=${contractId}${query}`)).body
      .items;

  const settled = (contractId: string, action: string, status: string, kind = 'provision', timeoutMs = 15_000) =>
    eventually(
      async () => {
        const order = (await ordersOf(contractId)).find((o) => o.action === action && o.kind === kind);
        return order?.status === status ? order : undefined;
      },
      { timeoutMs, what: `${kind} ${action} of ${contractId} to be ${status}` },
    );

  const timelineTypes = async (contractId: string) =>
    (
      await api<{ items: { type: string; kind: string; detail: Record<string, unknown> }[] }>(
        app.url,
        'GET',
        `/api/v1/contracts/${contractId}/timeline`,
      )
    ).body.items.filter((i) => i.kind === 'system');

  it('503 twice then 201: one account, three signed calls with one Idempotency-Key, the account id kept', async () => {
    const party = await registerParty(app.url, {
      signers: 1,
      provisioning: [{ action: 'access-credentials', params: { plan: 'pro' } }],
    });
    accounts.script(party.contractId, [{ status: 503 }, { status: 503, body: { error: 'maintenance' } }]);
    await emit(app, party.contractId, { type: 'ContractActivated', data: { customerId: party.customerId } });

    const order = await settled(party.contractId, 'access-credentials', 'succeeded');
    const calls = accounts.callsFor(party.contractId);
    expect(calls).toHaveLength(3);
    expect(new Set(calls.map((c) => c.headers['idempotency-key']))).toEqual(new Set([order.id]));
    for (const call of calls) {
      expect(call.method).toBe('POST');
      expect(call.path).toBe('/accounts');
      expect(call.headers['content-type']).toBe('application/json');
      const signature = String(call.headers['x-signbridge-signature']);
      expect(verifySignatureHeader(SECRET, call.rawBody, signature, Math.floor(call.at / 1000))).toBe(true);
      expect(
        verifySignatureHeader('another-secret-0123456789', call.rawBody, signature, Math.floor(call.at / 1000)),
      ).toBe(false);
      expect(call.body).toMatchObject({
        runId: order.id,
        kind: 'provision',
        contractId: party.contractId,
        customer: { id: party.customerId, email: expect.stringContaining('@example.test') },
        params: { plan: 'pro' },
      });
    }
    expect(accounts.created.get(order.id)).toBeDefined();
    expect([...accounts.created.keys()].filter((k) => k === order.id)).toHaveLength(1);
    expect(order).toMatchObject({
      attempts: 3,
      lastStatusCode: 201,
      lastError: null,
      resultRef: accounts.created.get(order.id),
    });
    expect(order.response).toEqual({ accountId: order.resultRef });
    // Retries waited the backoff: 100 ms, then 200 ms.
    expect(calls[1].at - calls[0].at).toBeGreaterThanOrEqual(90);
    expect(calls[2].at - calls[1].at).toBeGreaterThanOrEqual(190);

    const one = await api<Order>(app.url, 'GET', `/api/v1/provisioning-orders/${order.id}`);
    expect(one.body).toMatchObject({ id: order.id, status: 'succeeded', resultRef: order.resultRef });
    const timeline = await eventually(async () => {
      const items = await timelineTypes(party.contractId);
      return items.some((i) => i.type === 'service_provisioned') ? items : undefined;
    });
    expect(timeline.filter((i) => i.type === 'service_provisioned')).toEqual([
      expect.objectContaining({ detail: expect.objectContaining({ runId: order.id, resultRef: order.resultRef }) }),
    ]);
  });

  it('400 fails at once with the answer kept; a staff retry runs it again once the target is fixed', async () => {
    const party = await registerParty(app.url, { signers: 1, provisioning: [{ action: 'access-credentials' }] });
    accounts.script(party.contractId, [{ status: 400, body: { error: 'taxId is required' } }]);
    await emit(app, party.contractId, { type: 'ContractActivated', data: { customerId: party.customerId } });

    const failed = await settled(party.contractId, 'access-credentials', 'failed');
    expect(failed).toMatchObject({
      attempts: 1,
      lastStatusCode: 400,
      failureReason: 'PROVISIONING.TARGET_REJECTED',
      lastError: 'PROVISIONING.TARGET_REJECTED: HTTP 400',
      response: { error: 'taxId is required' },
      resultRef: null,
    });
    expect(accounts.callsFor(party.contractId)).toHaveLength(1);
    expect(
      (await api<Order[]>(app.url, 'GET', `/api/v1/provisioning-orders?status=failed&contractId=${party.contractId}`))
        .body,
    ).toMatchObject({ items: [{ id: failed.id }] });

    const retried = await api<Order>(app.url, 'POST', `/api/v1/provisioning-orders/${failed.id}/retry`);
    expect(retried.status).toBe(202);
    expect(retried.body).toMatchObject({ id: failed.id, status: 'pending', attempts: 0 });
    const succeeded = await settled(party.contractId, 'access-credentials', 'succeeded');
    expect(succeeded).toMatchObject({ attempts: 1, lastStatusCode: 201, resultRef: expect.stringMatching(/^acc-/) });
    expect(accounts.callsFor(party.contractId)).toHaveLength(2);

    const again = await api<{ code: string }>(app.url, 'POST', `/api/v1/provisioning-orders/${failed.id}/retry`);
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('PROVISIONING.NOT_RETRYABLE');
    expect((await api(app.url, 'POST', `/api/v1/provisioning-orders/${randomUUID()}/retry`)).status).toBe(404);
    const types = (await timelineTypes(party.contractId)).map((i) => i.type);
    expect(types.filter((t) => t === 'provisioning_failed')).toHaveLength(1);
    expect(types.filter((t) => t === 'service_provisioned')).toHaveLength(1);
  });

  it('honours Retry-After on a 429', async () => {
    const party = await registerParty(app.url, { signers: 1, provisioning: [{ action: 'access-credentials' }] });
    accounts.script(party.contractId, [{ status: 429, headers: { 'retry-after': '1' } }]);
    await emit(app, party.contractId, { type: 'ContractActivated', data: { customerId: party.customerId } });
    await settled(party.contractId, 'access-credentials', 'succeeded');
    const calls = accounts.callsFor(party.contractId);
    expect(calls).toHaveLength(2);
    // The backoff alone would have waited 100 ms.
    expect(calls[1].at - calls[0].at).toBeGreaterThanOrEqual(990);
    expect(calls[1].at - calls[0].at).toBeLessThan(3000);
  });

  it('fails after the last attempt when the target keeps answering 5xx', async () => {
    const party = await registerParty(app.url, { signers: 1, provisioning: [{ action: 'access-credentials' }] });
    accounts.script(
      party.contractId,
      Array.from({ length: 6 }, () => ({ status: 502 })),
    );
    await emit(app, party.contractId, { type: 'ContractActivated', data: { customerId: party.customerId } });
    const failed = await settled(party.contractId, 'access-credentials', 'failed');
    expect(failed).toMatchObject({
      attempts: 6,
      lastStatusCode: 502,
      failureReason: 'PROVISIONING.ATTEMPTS_EXHAUSTED',
    });
    expect(accounts.callsFor(party.contractId)).toHaveLength(6);
  });

  it('keeps trying a target that refuses connections, and succeeds once it is up', async () => {
    const party = await activated([{ action: 'warehouse-order', params: { items: [{ sku: 'ROUTER-1', qty: 1 }] } }]);
    const waiting = await eventually(
      async () => {
        const order = (await ordersOf(party.contractId))[0];
        return order && order.attempts >= 2 && order.status === 'pending' ? order : undefined;
      },
      { what: 'two refused attempts' },
    );
    expect(waiting.lastError).toMatch(/ECONNREFUSED/);
    expect(waiting.lastStatusCode).toBeNull();
    await warehouse.start(warehousePort);
    const order = await settled(party.contractId, 'warehouse-order', 'succeeded');
    expect(order.resultRef).toMatch(/^WO-/);
    expect(warehouse.callsFor(party.contractId)).toHaveLength(1);
    expect(warehouse.callsFor(party.contractId)[0].body.params).toEqual({ items: [{ sku: 'ROUTER-1', qty: 1 }] });
  });

  it('an action without a target, or unknown, fails at once with a clear reason', async () => {
    app.app.get(ProvisioningActionRegistry).register({
      name: 'crm-seat',
      provision: () => ({ method: 'POST', path: '/seats', body: {} }),
      resultRef: () => null,
    });
    const party = await activated([{ action: 'crm-seat' }, { action: 'telepathy' }]);
    const seat = await settled(party.contractId, 'crm-seat', 'failed');
    expect(seat.failureReason).toBe('PROVISIONING.TARGET_NOT_CONFIGURED');
    expect(seat.lastError).toContain('PROVISIONING_CRM_SEAT_URL');
    const unknown = await settled(party.contractId, 'telepathy', 'failed');
    expect(unknown.failureReason).toBe('PROVISIONING.UNKNOWN_ACTION');
  });

  it('never calls the target successfully twice for one (contract, action): duplicates, concurrent workers', async () => {
    await slow.start();
    second = await startTestApp({
      env: { PROVISIONING_ACCESS_CREDENTIALS_URL: slow.url, PROVISIONING_SECRET: SECRET },
    });
    {
      // Two activations (a duplicate): one run.
      const party = await registerParty(app.url, { signers: 1, provisioning: [{ action: 'access-credentials' }] });
      const dataSource = app.app.get(DataSource);
      await emit(app, party.contractId, { type: 'ContractActivated', data: { customerId: party.customerId } });
      await emit(second, party.contractId, { type: 'ContractActivated', data: { customerId: party.customerId } });
      await settled(party.contractId, 'access-credentials', 'succeeded');
      expect(await ordersOf(party.contractId)).toHaveLength(1);

      // A run due now, executed by eight workers of two processes at once against a slow target.
      const other = await registerParty(app.url, { signers: 1 });
      const runId = randomUUID();
      await dataSource.query(
        `INSERT INTO provisioning_orders (id, contract_id, customer_id, action, kind, status, next_attempt_at)
         VALUES ($1, $2, $3, 'access-credentials', 'provision', 'pending', now())`,
        [runId, other.contractId, other.customerId],
      );
      const runners = [app, second].map((a) => a.app.get(ProvisioningRunner));
      const outcomes = await Promise.all(Array.from({ length: 8 }, (_, i) => runners[i % 2].execute(runId)));
      expect(outcomes.filter((o) => o === 'done')).toHaveLength(1);
      const calls = [...accounts.callsFor(other.contractId), ...slow.callsFor(other.contractId)];
      expect(calls).toHaveLength(1);
      const [row] = (await dataSource.query(`SELECT status, attempts FROM provisioning_orders WHERE id = $1`, [
        runId,
      ])) as { status: string; attempts: number }[];
      expect(row).toEqual({ status: 'succeeded', attempts: 1 });
      // And once succeeded, a late job for it does nothing.
      await expect(runners[0].execute(runId)).resolves.toBe('skipped');
    }
  });

  it('the sweep takes over a run a crashed worker left running', async () => {
    const party = await registerParty(app.url, { signers: 1 });
    const runId = randomUUID();
    const dataSource = app.app.get(DataSource);
    // Claimed by a worker that died: running, one attempt counted, its claim lapsed a second ago.
    await dataSource.query(
      `INSERT INTO provisioning_orders (id, contract_id, customer_id, action, kind, status, attempts, next_attempt_at)
       VALUES ($1, $2, $3, 'access-credentials', 'provision', 'running', 1, now() - interval '1 second')`,
      [runId, party.contractId, party.customerId],
    );
    await expect(app.app.get(ProvisioningRunner).sweep(0)).resolves.toBeGreaterThanOrEqual(1);
    const order = await settled(party.contractId, 'access-credentials', 'succeeded');
    expect(order).toMatchObject({ id: runId, attempts: 2 });
  });

  it('a void after activation reverses what succeeded: the account is disabled with its stored id', async () => {
    const party = await activated([{ action: 'access-credentials' }]);
    const provisioned = await settled(party.contractId, 'access-credentials', 'succeeded');
    await emit(app, party.contractId, { type: 'ContractVoided', data: { at: new Date().toISOString() } });
    const reversal = await settled(party.contractId, 'access-credentials', 'succeeded', 'reverse');
    const call = accounts.callsFor(party.contractId).find((c) => c.body.kind === 'reverse');
    expect(call).toMatchObject({
      method: 'POST',
      path: `/accounts/${provisioned.resultRef}/disable`,
      body: { accountId: provisioned.resultRef, runId: reversal.id },
    });
    expect(call?.headers['idempotency-key']).toBe(reversal.id);
    expect(accounts.state.get(provisioned.resultRef ?? '')).toBe('disabled');
    const types = (await timelineTypes(party.contractId)).map((i) => i.type);
    expect(types).toContain('service_deprovisioned');
    // A second void changes nothing.
    await emit(app, party.contractId, { type: 'ContractVoided', data: { at: new Date().toISOString() } });
    expect(await ordersOf(party.contractId, '&kind=reverse')).toHaveLength(1);
  });

  it('a provision answered without an account id is not reversed by guessing: the reversal fails, saying why', async () => {
    const party = await registerParty(app.url, { signers: 1, provisioning: [{ action: 'access-credentials' }] });
    accounts.script(party.contractId, [{ status: 200, body: { created: true } }]);
    await emit(app, party.contractId, { type: 'ContractActivated', data: { customerId: party.customerId } });
    expect(await settled(party.contractId, 'access-credentials', 'succeeded')).toMatchObject({ resultRef: null });
    await emit(app, party.contractId, { type: 'ContractVoided', data: { at: new Date().toISOString() } });
    const reversal = await settled(party.contractId, 'access-credentials', 'failed', 'reverse');
    expect(reversal).toMatchObject({ failureReason: 'PROVISIONING.NOTHING_TO_REVERSE', attempts: 1 });
    expect(accounts.callsFor(party.contractId).filter((c) => c.body.kind === 'reverse')).toEqual([]);
  });

  it('after a reversal, a failed provision run of that contract is not retried (it would not be reversed)', async () => {
    const party = await registerParty(app.url, {
      signers: 1,
      provisioning: [{ action: 'access-credentials' }, { action: 'warehouse-order' }],
    });
    warehouse.script(party.contractId, [{ status: 400, body: { error: 'unknown SKU' } }]);
    await emit(app, party.contractId, { type: 'ContractActivated', data: { customerId: party.customerId } });
    const failed = await settled(party.contractId, 'warehouse-order', 'failed');
    await settled(party.contractId, 'access-credentials', 'succeeded');
    await emit(app, party.contractId, { type: 'ContractVoided', data: { at: new Date().toISOString() } });
    await settled(party.contractId, 'access-credentials', 'succeeded', 'reverse');

    const refused = await api<{ code: string; detail: string }>(
      app.url,
      'POST',
      `/api/v1/provisioning-orders/${failed.id}/retry`,
    );
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({
      code: 'PROVISIONING.NOT_RETRYABLE',
      detail: expect.stringContaining('reversed'),
    });
    expect(warehouse.callsFor(party.contractId)).toHaveLength(1);
  });

  it('a credit note cancelling the whole first invoice reverses; a partial one does not', async () => {
    const partial = await activated([{ action: 'access-credentials' }]);
    const whole = await activated([{ action: 'access-credentials' }]);
    await settled(partial.contractId, 'access-credentials', 'succeeded');
    await settled(whole.contractId, 'access-credentials', 'succeeded');
    const note = (contractId: string, cancelsWholeInvoice: boolean): DomainEventDraft => ({
      type: 'CreditNoteIssued',
      data: {
        invoiceId: randomUUID(),
        contractId,
        number: 'R2026-000001',
        correctsInvoiceId: randomUUID(),
        correctsNumber: 'F2026-000001',
        totalCents: -1000,
        currency: 'EUR',
        reason: 'test',
        cancelsWholeInvoice,
      },
    });
    await emit(app, partial.contractId, note(partial.contractId, false));
    await emit(app, whole.contractId, note(whole.contractId, true));
    await settled(whole.contractId, 'access-credentials', 'succeeded', 'reverse');
    expect(await ordersOf(partial.contractId, '&kind=reverse')).toEqual([]);
  });

  it('pages the list with a cursor', async () => {
    const party = await activated([{ action: 'crm-seat' }, { action: 'telepathy' }, { action: 'x-other' }]);
    await eventually(async () =>
      (await ordersOf(party.contractId, '&status=failed')).length === 3 ? true : undefined,
    );
    const first = await api<{ items: Order[]; nextCursor: string | null }>(
      app.url,
      'GET',
      `/api/v1/provisioning-orders?contractId=${party.contractId}&limit=2`,
    );
    expect(first.body.items).toHaveLength(2);
    const second = await api<{ items: Order[]; nextCursor: string | null }>(
      app.url,
      'GET',
      `/api/v1/provisioning-orders?contractId=${party.contractId}&limit=2&cursor=${first.body.nextCursor}`,
    );
    expect(second.body.items).toHaveLength(1);
    expect(second.body.nextCursor).toBeNull();
    expect(new Set([...first.body.items, ...second.body.items].map((o) => o.action))).toEqual(
      new Set(['crm-seat', 'telepathy', 'x-other']),
    );
    expect((await api(app.url, 'GET', '/api/v1/provisioning-orders?status=bogus')).status).toBe(400);
  });
});
