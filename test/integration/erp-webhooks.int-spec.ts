import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { verifySignatureHeader } from '@app/common';
import { WebhookDeliveryRunner, WebhookFanout } from '@app/erp-notifications';
import { appendToOutbox, OutboxRelay, type DomainEventDraft, type OutboxRef } from '@app/event-bus';
import { ErpReceiver } from '../support/erp-receiver';
import { api, eventually, startTestApp, TEST_ADMIN_KEY, type TestApp } from '../support/test-app';

interface Endpoint {
  id: string;
  url: string;
  eventTypes: string[];
  status: string;
  disabledReason: string | null;
  previousSecretExpiresAt: string | null;
  secret?: string;
}

interface Delivery {
  id: string;
  endpointId: string;
  eventId: string;
  eventType: string;
  status: string;
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  failureReason: string | null;
  lastResponse: string | null;
}

/**
 * Domain events to the ERP's webhook endpoints (invariant 7): against a real HTTP receiver, on the real database
 * and queue. Events are written through the outbox and dispatched by the relay, as every module does. Test files
 * share the database, so endpoints subscribe to a few types, each test reads only its own aggregates' calls, and
 * every endpoint is disabled at the end.
 */
describe('ERP webhooks', () => {
  const receiver = new ErpReceiver();
  let app: TestApp;
  const endpoints: string[] = [];

  beforeAll(async () => {
    await receiver.start();
    // Retries every 100, 200, 300 ms (startTestApp's schedule): four calls before a delivery is dead.
    app = await startTestApp({ env: { ERP_WEBHOOK_TIMEOUT_MS: '2000' } });
  });
  // Each test's endpoints stop receiving when it ends: the next test's events are its own.
  afterEach(async () => {
    for (const id of endpoints.splice(0)) {
      await api(app.url, 'PATCH', `/api/v1/webhook-endpoints/${id}`, { enabled: false });
    }
  });
  afterAll(async () => {
    await app.close();
    await receiver.stop();
  });

  async function register(
    path: string,
    eventTypes: string[],
    headers: Record<string, string> = {},
    url = receiver.url(path),
  ) {
    const response = await fetch(`${app.url}/api/v1/webhook-endpoints`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ url, eventTypes, description: `test ${path}` }),
    });
    const endpoint = (await response.json()) as Endpoint;
    expect(response.status).toBe(201);
    endpoints.push(endpoint.id);
    return endpoint;
  }

  /** The events, in one transaction, on a new contract aggregate; dispatched unless `dispatch` is false. */
  async function emit(drafts: DomainEventDraft[], dispatch = true): Promise<{ contractId: string; refs: OutboxRef[] }> {
    const contractId = randomUUID();
    const refs = await app.app.get(DataSource).transaction((em) =>
      appendToOutbox(em, drafts, {
        aggregateType: 'contract',
        aggregateId: contractId,
        correlationId: randomUUID(),
        causationId: randomUUID(),
        occurredAt: new Date(),
      }),
    );
    if (dispatch) await app.app.get(OutboxRelay).dispatch(refs);
    return { contractId, refs };
  }

  const activated = (): DomainEventDraft => ({ type: 'ContractActivated', data: { customerId: randomUUID() } });
  const opened = (): DomainEventDraft => ({ type: 'ContractOpened', data: { at: new Date().toISOString() } });

  /** The event's deliveries, to one endpoint (other files' endpoints may get it too). */
  const deliveriesOf = async (eventId: string, endpointId: string) =>
    (
      await api<{ items: Delivery[] }>(
        app.url,
        'GET',
        `/api/v1/webhook-deliveries?eventId=${eventId}&endpointId=${endpointId}`,
      )
    ).body.items;

  const settled = (endpointId: string, eventId: string, status: string, attempts?: number) =>
    eventually(
      async () => {
        const [delivery] = await deliveriesOf(eventId, endpointId);
        const done = delivery?.status === status && (attempts === undefined || delivery.attempts === attempts);
        return done ? delivery : undefined;
      },
      { what: `the delivery of ${eventId} to ${endpointId} to be ${status}` },
    );

  it('an endpoint receives the events it subscribed to, signed with its secret, the event as the body', async () => {
    const endpoint = await register('/hooks/subscribed', ['ContractActivated', 'InvoiceIssued']);
    expect(endpoint).toMatchObject({ status: 'enabled', eventTypes: ['ContractActivated', 'InvoiceIssued'] });
    expect(endpoint.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const shown = await api<Endpoint>(app.url, 'GET', `/api/v1/webhook-endpoints/${endpoint.id}`);
    expect(shown.body.secret).toBeUndefined();

    const { contractId, refs } = await emit([opened(), activated()]);
    const delivery = await settled(endpoint.id, refs[1].id, 'delivered');
    expect(delivery).toMatchObject({ endpointId: endpoint.id, eventType: 'ContractActivated', attempts: 1 });
    expect(delivery.lastStatusCode).toBe(200);
    // Fanned out in the same pass as the event it was not subscribed to: that one has no delivery at all.
    expect(await deliveriesOf(refs[0].id, endpoint.id)).toEqual([]);

    const calls = receiver.callsFor('/hooks/subscribed', contractId);
    expect(calls).toHaveLength(1);
    const [call] = calls;
    const stored: { occurred_at: Date; correlation_id: string; causation_id: string; payload: unknown }[] =
      await app.app
        .get(DataSource)
        .query(`SELECT occurred_at, correlation_id, causation_id, payload FROM outbox WHERE id = $1`, [refs[1].id]);
    expect(JSON.parse(call.rawBody)).toEqual({
      id: refs[1].id,
      type: 'ContractActivated',
      occurredAt: stored[0].occurred_at.toISOString(),
      aggregateType: 'contract',
      aggregateId: contractId,
      correlationId: stored[0].correlation_id,
      causationId: stored[0].causation_id,
      data: stored[0].payload,
    });
    expect(call.headers).toMatchObject({
      'content-type': 'application/json',
      'idempotency-key': refs[1].id,
      'x-signbridge-event-id': refs[1].id,
      'x-signbridge-event-type': 'ContractActivated',
      'x-signbridge-delivery-id': delivery.id,
      'x-signbridge-attempt': '1',
    });
    const signature = String(call.headers['x-signbridge-signature']);
    const at = Math.floor(call.at / 1000);
    expect(verifySignatureHeader(endpoint.secret!, call.rawBody, signature, at)).toBe(true);
    expect(verifySignatureHeader('whsec_another', call.rawBody, signature, at)).toBe(false);
  });

  it('503, then 503 asking Retry-After 1 s, then 200: delivered by the third call, the same event id on each', async () => {
    const endpoint = await register('/hooks/flaky', ['ContractActivated']);
    receiver.script('/hooks/flaky', [
      { status: 503 },
      { status: 503, headers: { 'retry-after': '1' }, body: 'maintenance' },
    ]);
    const { contractId, refs } = await emit([activated()]);
    const delivery = await settled(endpoint.id, refs[0].id, 'delivered');
    expect(delivery).toMatchObject({ endpointId: endpoint.id, attempts: 3, lastStatusCode: 200, lastError: null });
    const calls = receiver.callsFor('/hooks/flaky', contractId);
    expect(calls.map((c) => c.headers['idempotency-key'])).toEqual([refs[0].id, refs[0].id, refs[0].id]);
    expect(calls.map((c) => c.headers['x-signbridge-attempt'])).toEqual(['1', '2', '3']);
    // The schedule says 200 ms (±20 %) before the third call; the endpoint asked for a second.
    expect(calls[2].at - calls[1].at).toBeGreaterThanOrEqual(950);
  });

  it('an endpoint that keeps failing: dead when the schedule is used up, listed, and replayed once it works', async () => {
    const endpoint = await register('/hooks/down', ['ContractActivated']);
    receiver.script(
      '/hooks/down',
      Array.from({ length: 8 }, () => ({ status: 500, body: 'ERP down' })),
    );
    const first = await emit([activated()]);
    const second = await emit([activated()]);
    const dead = await settled(endpoint.id, first.refs[0].id, 'dead');
    await settled(endpoint.id, second.refs[0].id, 'dead');
    // Three waits in the schedule: four calls.
    expect(dead).toMatchObject({
      attempts: 4,
      lastStatusCode: 500,
      failureReason: 'WEBHOOK.ATTEMPTS_EXHAUSTED',
      lastResponse: 'ERP down',
    });
    expect(dead.lastError).toMatch(/^WEBHOOK\.ATTEMPTS_EXHAUSTED: 4 call\(s\), the last: HTTP 500$/);
    expect(receiver.callsFor('/hooks/down', first.contractId)).toHaveLength(4);
    const letters = await api<{ items: Delivery[] }>(
      app.url,
      'GET',
      `/api/v1/webhook-deliveries?endpointId=${endpoint.id}&status=dead`,
    );
    expect(letters.body.items.map((d) => d.eventId).sort()).toEqual([first.refs[0].id, second.refs[0].id].sort());

    // The ERP is back (the script is used up): one replayed alone, the other by the endpoint's bulk replay.
    const replayed = await api<Delivery>(app.url, 'POST', `/api/v1/webhook-deliveries/${dead.id}/replay`);
    expect(replayed.status).toBe(202);
    expect(replayed.body).toMatchObject({ status: 'pending', attempts: 0 });
    expect(await settled(endpoint.id, first.refs[0].id, 'delivered')).toMatchObject({
      attempts: 1,
      lastStatusCode: 200,
    });
    const bulk = await api<{ replayed: number; more: boolean }>(app.url, 'POST', '/api/v1/webhook-deliveries/replay', {
      endpointId: endpoint.id,
    });
    expect(bulk.body).toEqual({ replayed: 1, more: false });
    await settled(endpoint.id, second.refs[0].id, 'delivered');
    expect(receiver.callsFor('/hooks/down', first.contractId)).toHaveLength(5);

    // A delivered one may be replayed (the ERP lost it); an unknown one is a 404.
    expect((await api(app.url, 'POST', `/api/v1/webhook-deliveries/${dead.id}/replay`)).status).toBe(202);
    await eventually(async () => (receiver.callsFor('/hooks/down', first.contractId).length === 6 ? true : undefined));
    const missing = await api<{ code: string }>(app.url, 'POST', `/api/v1/webhook-deliveries/${randomUUID()}/replay`);
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('WEBHOOK.DELIVERY_NOT_FOUND');
  });

  it("a failing endpoint's circuit opens: its deliveries are held with their attempts, and go once a probe succeeds", async () => {
    const endpoint = await register('/hooks/flaky', ['ContractActivated']);
    receiver.script(
      '/hooks/flaky',
      Array.from({ length: 200 }, () => ({ status: 503, body: 'ERP restarting' })),
    );
    // Eight events at once: eight failed calls, and the circuit opens at the fifth (startTestApp: 300 ms, doubling).
    const { contractId, refs } = await emit(Array.from({ length: 8 }, () => activated()));
    const open = await eventually(async () => {
      const view = await api<Endpoint & { circuit: { state: string; consecutiveFailures: number } }>(
        app.url,
        'GET',
        `/api/v1/webhook-endpoints/${endpoint.id}`,
      );
      return view.body.circuit.state === 'open' ? view.body : undefined;
    });
    expect(open.circuit.consecutiveFailures).toBeGreaterThanOrEqual(5);

    // Down for 1.5 s more. Without the circuit each delivery would use its four calls within 0.6 s and be dead; with
    // it, the calls are the first eight and a probe or two. A window in which nothing may happen cannot be polled
    // for, so this one wait is fixed.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const callsWhileDown = receiver.callsFor('/hooks/flaky', contractId).length;
    expect(callsWhileDown).toBeLessThanOrEqual(12);
    // Holding costs no attempt: the attempts used are about the calls made (a call may be under way), not 32.
    const whileDown = (await Promise.all(refs.map((ref) => deliveriesOf(ref.id, endpoint.id)))).flat();
    expect(whileDown.reduce((sum, d) => sum + d.attempts, 0)).toBeLessThanOrEqual(13);

    // The ERP is back: the next probe succeeds, the circuit closes, the held deliveries go. (A delivery that happened
    // to make the probes may have used its four calls: dead as the schedule says, at most one with 12 calls.) Each
    // probe that failed meanwhile doubled the cool-down (0.3, 0.6, 1.2, 2.4 s, more on a slow run): the next probe
    // comes up to one cool-down from now, and the held deliveries within one more after it.
    receiver.script('/hooks/flaky', []);
    const ended = await Promise.all(
      refs.map((ref) =>
        eventually(
          async () => {
            const [delivery] = await deliveriesOf(ref.id, endpoint.id);
            return delivery?.status === 'delivered' || delivery?.status === 'dead' ? delivery : undefined;
          },
          { timeoutMs: 30_000 },
        ),
      ),
    );
    const dead = ended.filter((d) => d.status === 'dead');
    expect(dead.length).toBeLessThanOrEqual(1);
    expect(dead.every((d) => d.attempts === 4 && d.failureReason === 'WEBHOOK.ATTEMPTS_EXHAUSTED')).toBe(true);
    const delivered = ended.filter((d) => d.status === 'delivered').map((d) => d.eventId);
    const calledSince = new Set(
      receiver
        .callsFor('/hooks/flaky', contractId)
        .slice(callsWhileDown)
        .map((c) => c.body.id),
    );
    expect(delivered.every((id) => calledSince.has(id))).toBe(true);
    const closed = await api<{ circuit: { state: string; consecutiveFailures: number; failingSince: string | null } }>(
      app.url,
      'GET',
      `/api/v1/webhook-endpoints/${endpoint.id}`,
    );
    expect(closed.body.circuit).toMatchObject({ state: 'closed', consecutiveFailures: 0, failingSince: null });
  });

  it('an endpoint failing for ERP_WEBHOOK_DISABLE_AFTER (5 days) is disabled at its next failure', async () => {
    const endpoint = await register('/hooks/abandoned', ['ContractActivated']);
    receiver.script('/hooks/abandoned', [{ status: 500, body: 'still down' }]);
    // As if it had been failing for six days: the streak's start is all that counts.
    await app.app
      .get(DataSource)
      .query(
        `UPDATE webhook_endpoints SET consecutive_failures = 40, failing_since = now() - interval '6 days' WHERE id = $1`,
        [endpoint.id],
      );
    const { refs } = await emit([activated()]);
    const dead = await settled(endpoint.id, refs[0].id, 'dead');
    expect(dead.failureReason).toBe('WEBHOOK.ENDPOINT_DISABLED');
    const view = await api<Endpoint>(app.url, 'GET', `/api/v1/webhook-endpoints/${endpoint.id}`);
    expect(view.body.status).toBe('disabled');
    expect(view.body.disabledReason).toMatch(/^WEBHOOK\.FAILING: no successful call since \d{4}-\d\d-\d\dT/);

    // Enabled again by staff: the streak and the circuit start afresh.
    const enabled = await api<Endpoint & { circuit: { state: string; consecutiveFailures: number } }>(
      app.url,
      'PATCH',
      `/api/v1/webhook-endpoints/${endpoint.id}`,
      { enabled: true },
    );
    expect(enabled.body).toMatchObject({ status: 'enabled', disabledReason: null });
    expect(enabled.body.circuit).toMatchObject({ state: 'closed', consecutiveFailures: 0 });
  });

  it('410 Gone disables the endpoint: its delivery is dead, later events are not fanned out to it', async () => {
    const endpoint = await register('/hooks/gone', ['ContractActivated']);
    receiver.script('/hooks/gone', [{ status: 410 }]);
    const first = await emit([activated()]);
    const dead = await settled(endpoint.id, first.refs[0].id, 'dead');
    expect(dead).toMatchObject({ attempts: 1, lastStatusCode: 410, failureReason: 'WEBHOOK.GONE' });
    const disabled = await api<Endpoint>(app.url, 'GET', `/api/v1/webhook-endpoints/${endpoint.id}`);
    expect(disabled.body).toMatchObject({
      status: 'disabled',
      disabledReason: expect.stringMatching(/^WEBHOOK\.GONE/),
    });

    const later = await emit([activated()]);
    await eventually(async () => {
      const [row] = await app.app
        .get(DataSource)
        .query(`SELECT erp_fanout_at FROM outbox WHERE id = $1`, [later.refs[0].id]);
      return row.erp_fanout_at ? true : undefined;
    });
    expect(await deliveriesOf(later.refs[0].id, endpoint.id)).toEqual([]);
    const refused = await api<{ code: string }>(app.url, 'POST', `/api/v1/webhook-deliveries/${dead.id}/replay`);
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('WEBHOOK.ENDPOINT_DISABLED');

    // Enabled again by staff: the dead letter is replayed and arrives.
    const enabled = await api<Endpoint>(app.url, 'PATCH', `/api/v1/webhook-endpoints/${endpoint.id}`, {
      enabled: true,
    });
    expect(enabled.body).toMatchObject({ status: 'enabled', disabledReason: null });
    expect((await api(app.url, 'POST', `/api/v1/webhook-deliveries/${dead.id}/replay`)).status).toBe(202);
    await settled(endpoint.id, first.refs[0].id, 'delivered');
  });

  it('events committed but never dispatched (a crash) are fanned out by the sweeper, exactly once', async () => {
    const endpoint = await register('/hooks/crash', ['ContractActivated']);
    const { contractId, refs } = await emit([activated()], false);
    // What the sweeper runs; twice, as two processes' sweepers might.
    const fanout = app.app.get(WebhookFanout);
    await Promise.all([fanout.catchUp(0), fanout.catchUp(0)]);
    await settled(endpoint.id, refs[0].id, 'delivered');
    expect(await deliveriesOf(refs[0].id, endpoint.id)).toHaveLength(1);
    expect(receiver.callsFor('/hooks/crash', contractId)).toHaveLength(1);
  });

  it('a delivery left running by a killed worker is called again once its claim lapses', async () => {
    const endpoint = await register('/hooks/killed', ['ContractActivated']);
    const { contractId, refs } = await emit([activated()]);
    await settled(endpoint.id, refs[0].id, 'delivered');
    // As a worker killed during its call leaves it: running, its claim past.
    await app.app
      .get(DataSource)
      .query(
        `UPDATE webhook_deliveries SET status = 'running', next_attempt_at = now() - interval '1 minute' WHERE event_id = $1`,
        [refs[0].id],
      );
    expect(await app.app.get(WebhookDeliveryRunner).sweep(0)).toBeGreaterThanOrEqual(1);
    await settled(endpoint.id, refs[0].id, 'delivered', 2);
    // Called again with the same event id: the receiver's deduplication key.
    const calls = receiver.callsFor('/hooks/killed', contractId);
    expect(calls.map((c) => c.headers['idempotency-key'])).toEqual([refs[0].id, refs[0].id]);
  });

  it('an endpoint registered after an event does not get it; a rotated secret signs alongside the old one', async () => {
    const before = await emit([activated()]);
    const endpoint = await register('/hooks/rotated', ['ContractActivated']);
    const rotated = await api<Endpoint>(app.url, 'POST', `/api/v1/webhook-endpoints/${endpoint.id}/rotate-secret`, {
      keepPreviousHours: 1,
    });
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).not.toBe(endpoint.secret);
    expect(rotated.body.previousSecretExpiresAt).not.toBeNull();

    const after = await emit([activated()]);
    await settled(endpoint.id, after.refs[0].id, 'delivered');
    expect(receiver.callsFor('/hooks/rotated', before.contractId)).toEqual([]);
    const [call] = receiver.callsFor('/hooks/rotated', after.contractId);
    const signature = String(call.headers['x-signbridge-signature']);
    expect(signature.match(/v1=/g)).toHaveLength(2);
    for (const secret of [rotated.body.secret!, endpoint.secret!]) {
      expect(verifySignatureHeader(secret, call.rawBody, signature, Math.floor(call.at / 1000))).toBe(true);
    }
  });

  it('a backfill sends an endpoint the earlier events of its types in the range, once; not outside it', async () => {
    const pause = () => new Promise((resolve) => setTimeout(resolve, 5));
    const tooEarly = await emit([activated()]);
    await pause();
    const since = new Date();
    const { contractId, refs } = await emit([activated(), opened(), activated()]);
    // An event written before event ids were time-ordered: a random (version 4) id.
    const [legacy]: { id: string }[] = await app.app.get(DataSource).query(
      `INSERT INTO outbox (id, type, aggregate_type, aggregate_id, payload, correlation_id, causation_id, occurred_at)
       VALUES (gen_random_uuid(), 'ContractActivated', 'contract', $1, '{}', 'legacy', 'legacy', now()) RETURNING id`,
      [contractId],
    );
    expect(legacy.id[14]).toBe('4');
    await pause();
    const until = new Date();
    const endpoint = await register('/hooks/backfilled', ['ContractActivated']);
    const path = `/api/v1/webhook-endpoints/${endpoint.id}/backfill`;

    const first = await api<{ backfilled: number; more: boolean }>(app.url, 'POST', path, {
      since: since.toISOString(),
      until: until.toISOString(),
    });
    expect(first.status).toBe(200);
    // Other test files' ContractActivated events in the same window count too.
    expect(first.body).toMatchObject({ more: false });
    expect(first.body.backfilled).toBeGreaterThanOrEqual(3);
    for (const id of [legacy.id, refs[0].id, refs[2].id]) await settled(endpoint.id, id, 'delivered');
    expect(await deliveriesOf(refs[1].id, endpoint.id)).toEqual([]); // not a type it subscribes to
    expect(await deliveriesOf(tooEarly.refs[0].id, endpoint.id)).toEqual([]); // before `since`

    // Again, and without `until`: nothing is sent twice.
    const again = await api<{ backfilled: number }>(app.url, 'POST', path, { since: since.toISOString() });
    expect(again.status).toBe(200);
    const calls = receiver.callsFor('/hooks/backfilled', contractId).map((c) => c.body.id);
    expect(calls.sort()).toEqual([legacy.id, refs[0].id, refs[2].id].sort());
    for (const id of [legacy.id, refs[0].id, refs[2].id]) expect(await deliveriesOf(id, endpoint.id)).toHaveLength(1);

    const reversed = await api<{ code: string }>(app.url, 'POST', path, {
      since: until.toISOString(),
      until: since.toISOString(),
    });
    expect({ status: reversed.status, code: reversed.body.code }).toEqual({ status: 400, code: 'REQUEST.INVALID' });
    // A day that does not exist: JavaScript would roll it into March, PostgreSQL would refuse it as a 500.
    for (const since of ['2026-02-30T00:00:00Z', '0000-01-01T00:00:00Z', '2026-W01']) {
      const wrong = await api<{ code: string }>(app.url, 'POST', path, { since });
      expect({ since, status: wrong.status, code: wrong.body.code }).toEqual({
        since,
        status: 400,
        code: 'REQUEST.INVALID',
      });
      const replay = await api<{ code: string }>(app.url, 'POST', '/api/v1/webhook-deliveries/replay', {
        endpointId: endpoint.id,
        until: since,
      });
      expect({ since, status: replay.status }).toEqual({ since, status: 400 });
    }
    await api(app.url, 'PATCH', `/api/v1/webhook-endpoints/${endpoint.id}`, { enabled: false });
    const disabled = await api<{ code: string }>(app.url, 'POST', path, { since: since.toISOString() });
    expect({ status: disabled.status, code: disabled.body.code }).toEqual({
      status: 409,
      code: 'WEBHOOK.ENDPOINT_DISABLED',
    });
  });

  it('an endpoint URL with a password is called with Basic authentication; views show the password as ***', async () => {
    const url = receiver.url('/hooks/basic').replace('http://', 'http://erp:s3cr%3At@');
    const endpoint = await register('/hooks/basic', ['ContractActivated'], {}, url);
    expect(endpoint.url).toBe(url.replace('s3cr%3At', '***'));
    const shown = await api<Endpoint>(app.url, 'GET', `/api/v1/webhook-endpoints/${endpoint.id}`);
    expect(shown.body.url).toBe(endpoint.url);
    // The URL as shown, sent back, would replace the password with ***: refused.
    const copied = await api<{ code: string }>(app.url, 'PATCH', `/api/v1/webhook-endpoints/${endpoint.id}`, {
      url: shown.body.url,
    });
    expect({ status: copied.status, code: copied.body.code }).toEqual({ status: 400, code: 'REQUEST.INVALID' });

    const { contractId, refs } = await emit([activated()]);
    await settled(endpoint.id, refs[0].id, 'delivered');
    const [call] = receiver.callsFor('/hooks/basic', contractId);
    expect(call.headers.authorization).toBe(`Basic ${Buffer.from('erp:s3cr:t').toString('base64')}`);
  });

  it('an endpoint limited to 2 calls at once gets at most 2, while the others wait with their attempts, then go', async () => {
    const endpoint = await register('/hooks/limited', ['ContractActivated']);
    const limited = await api<Endpoint & { maxInFlight: number | null }>(
      app.url,
      'PATCH',
      `/api/v1/webhook-endpoints/${endpoint.id}`,
      { maxInFlight: 2 },
    );
    expect(limited.body.maxInFlight).toBe(2);
    // A slow ERP: each call takes 150 ms. Twelve events at once, with sixteen workers free to call.
    receiver.script(
      '/hooks/limited',
      Array.from({ length: 12 }, () => ({ status: 200, delayMs: 150 })),
    );
    const { contractId, refs } = await emit(Array.from({ length: 12 }, () => activated()));
    const delivered = await Promise.all(refs.map((ref) => settled(endpoint.id, ref.id, 'delivered')));
    // At most 2 (without the limit: 12); on a slow enough machine the calls might not even overlap.
    expect(receiver.peakInFlight('/hooks/limited')).toBeLessThanOrEqual(2);
    // Waiting cost no attempt: one call each.
    expect(delivered.map((d) => d.attempts)).toEqual(refs.map(() => 1));
    expect(receiver.callsFor('/hooks/limited', contractId)).toHaveLength(12);

    // The limit removed: the next burst is not held back.
    await api(app.url, 'PATCH', `/api/v1/webhook-endpoints/${endpoint.id}`, { maxInFlight: null });
    const shown = await api<{ maxInFlight: number | null }>(app.url, 'GET', `/api/v1/webhook-endpoints/${endpoint.id}`);
    expect(shown.body.maxInFlight).toBeNull();
    const bad = await api<{ code: string }>(app.url, 'PATCH', `/api/v1/webhook-endpoints/${endpoint.id}`, {
      maxInFlight: 0,
    });
    expect({ status: bad.status, code: bad.body.code }).toEqual({ status: 400, code: 'REQUEST.INVALID' });
  });

  it('a changed limit wakes the held deliveries at once, not when the busy call ends', async () => {
    const endpoint = await register('/hooks/relimited', ['ContractActivated']);
    await api(app.url, 'PATCH', `/api/v1/webhook-endpoints/${endpoint.id}`, { maxInFlight: 1 });
    // The first call keeps the only place for 1.8 s; the other five are held behind it.
    receiver.script('/hooks/relimited', [{ status: 200, delayMs: 1_800 }]);
    const { contractId, refs } = await emit(Array.from({ length: 6 }, () => activated()));
    const db = app.app.get(DataSource);
    await eventually(async () => {
      const [{ held }]: { held: number }[] = await db.query(
        `SELECT count(*)::int AS held FROM webhook_deliveries WHERE endpoint_id = $1 AND held`,
        [endpoint.id],
      );
      return held === 5 ? held : undefined;
    });

    await api(app.url, 'PATCH', `/api/v1/webhook-endpoints/${endpoint.id}`, { maxInFlight: 3 });
    const busy = receiver.callsFor('/hooks/relimited', contractId)[0].body.id;
    const others = refs.filter((ref) => ref.id !== busy);
    await Promise.all(others.map((ref) => settled(endpoint.id, ref.id, 'delivered')));
    // Delivered while the first call was still under way: woken by the change, not by its end.
    expect((await deliveriesOf(busy, endpoint.id))[0].status).toBe('running');
    await settled(endpoint.id, busy, 'delivered');
  });

  it('an endpoint limited to 5 calls per second gets them at least 200 ms apart, each once, attempts unchanged', async () => {
    const endpoint = await register('/hooks/paced', ['ContractActivated']);
    const paced = await api<Endpoint & { maxPerSecond: number | null }>(
      app.url,
      'PATCH',
      `/api/v1/webhook-endpoints/${endpoint.id}`,
      { maxPerSecond: 5 },
    );
    expect(paced.body.maxPerSecond).toBe(5);
    // Eight events at once, with sixteen workers free to call: without the limit they arrive together.
    const { contractId, refs } = await emit(Array.from({ length: 8 }, () => activated()));
    const delivered = await Promise.all(refs.map((ref) => settled(endpoint.id, ref.id, 'delivered')));
    expect(delivered.map((d) => d.attempts)).toEqual(refs.map(() => 1));
    const arrivals = receiver
      .callsFor('/hooks/paced', contractId)
      .map((call) => call.at)
      .sort((a, b) => a - b);
    expect(arrivals).toHaveLength(8);
    // Started 200 ms apart; between the start and the arrival, a few milliseconds that vary from call to call.
    const gaps = arrivals.slice(1).map((at, i) => at - arrivals[i]);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(150);
    expect(arrivals[5] - arrivals[0]).toBeGreaterThanOrEqual(950);

    const bad = await api<{ code: string }>(app.url, 'PATCH', `/api/v1/webhook-endpoints/${endpoint.id}`, {
      maxPerSecond: 1001,
    });
    expect({ status: bad.status, code: bad.body.code }).toEqual({ status: 400, code: 'REQUEST.INVALID' });
  });

  it('a changed rate gives the deliveries waiting for their time new times under it, at once', async () => {
    const endpoint = await register('/hooks/repaced', ['ContractActivated']);
    await api(app.url, 'PATCH', `/api/v1/webhook-endpoints/${endpoint.id}`, { maxPerSecond: 1 });
    const { contractId, refs } = await emit(Array.from({ length: 6 }, () => activated()));
    const db = app.app.get(DataSource);
    // One call now; the other five wait for times reserved a second apart, the last about 5 s away.
    const lastReserved = await eventually(async () => {
      const [{ waiting, last }]: { waiting: number; last: Date | null }[] = await db.query(
        `SELECT count(*)::int AS waiting, max(rate_slot_at) AS last FROM webhook_deliveries
          WHERE endpoint_id = $1 AND status = 'pending' AND rate_slot_at IS NOT NULL`,
        [endpoint.id],
      );
      return waiting === 5 ? last : undefined;
    });
    expect(lastReserved!.getTime() - Date.now()).toBeGreaterThan(3_000);

    const shown = await api<{ maxPerSecond: number | null }>(
      app.url,
      'PATCH',
      `/api/v1/webhook-endpoints/${endpoint.id}`,
      { maxPerSecond: null },
    );
    expect(shown.body.maxPerSecond).toBeNull();
    await Promise.all(refs.map((ref) => settled(endpoint.id, ref.id, 'delivered')));
    const calls = receiver.callsFor('/hooks/repaced', contractId);
    expect(calls).toHaveLength(6);
    // Called well before the times they had reserved: woken by the change.
    expect(Math.max(...calls.map((call) => call.at))).toBeLessThan(lastReserved!.getTime() - 2_000);
  });

  it('the probe of an open circuit counts as the last call: the calls after it keep the per-second spacing', async () => {
    const endpoint = await register('/hooks/paced-circuit', ['ContractActivated']);
    await api(app.url, 'PATCH', `/api/v1/webhook-endpoints/${endpoint.id}`, { maxPerSecond: 1 });
    // Its circuit open for another 1.5 s, its last call long ago: the three events are held by the circuit. Once it is
    // over, the first of them probes (past the limit) and closes the circuit; the other two come due within the next
    // cool-down (300 ms, startTestApp), and must still wait a second from the probe.
    await app.app.get(DataSource).query(
      `UPDATE webhook_endpoints SET circuit_open_until = now() + interval '1.5 seconds', consecutive_failures = 5,
                failing_since = now(), rate_last_call_at = now() - interval '1 minute' WHERE id = $1`,
      [endpoint.id],
    );
    const { contractId, refs } = await emit(Array.from({ length: 3 }, () => activated()));
    await Promise.all(refs.map((ref) => settled(endpoint.id, ref.id, 'delivered')));
    const arrivals = receiver
      .callsFor('/hooks/paced-circuit', contractId)
      .map((call) => call.at)
      .sort((a, b) => a - b);
    expect(arrivals).toHaveLength(3);
    // A second apart; a call arrives some milliseconds after it starts.
    const gaps = arrivals.slice(1).map((at, i) => at - arrivals[i]);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(900);
  });

  it('a deleted endpoint leaves lists and views, its waiting delivery ends dead, and new events skip it', async () => {
    const endpoint = await register('/hooks/deleted', ['ContractActivated']);
    // The ERP asks for a minute: the delivery waits, pending, when the endpoint is deleted.
    receiver.script('/hooks/deleted', [{ status: 503, headers: { 'retry-after': '60' } }]);
    const waiting = await emit([activated()]);
    await eventually(async () => {
      const [delivery] = await deliveriesOf(waiting.refs[0].id, endpoint.id);
      return delivery?.status === 'pending' && delivery.attempts === 1 ? delivery : undefined;
    });

    const path = `/api/v1/webhook-endpoints/${endpoint.id}`;
    const deleted = await api(app.url, 'DELETE', path);
    expect(deleted.status).toBe(204);
    const [ended] = await deliveriesOf(waiting.refs[0].id, endpoint.id);
    expect(ended).toMatchObject({ status: 'dead', failureReason: 'WEBHOOK.ENDPOINT_DELETED' });
    const replay = await api<{ detail: string }>(app.url, 'POST', `/api/v1/webhook-deliveries/${ended.id}/replay`);
    expect(replay.status).toBe(409);
    expect(replay.body.detail).toContain('deleted');
    for (const [method, body] of [['GET'], ['DELETE'], ['PATCH', { enabled: true }]] as const) {
      const answer = await api<{ code: string }>(app.url, method, path, body);
      expect({ status: answer.status, code: answer.body.code }).toEqual({
        status: 404,
        code: 'WEBHOOK.ENDPOINT_NOT_FOUND',
      });
    }
    // Disabled at once, so it receives nothing: only to be listed beside the deleted one.
    const kept = await register('/hooks/kept', ['ContractActivated']);
    expect((await api(app.url, 'PATCH', `/api/v1/webhook-endpoints/${kept.id}`, { enabled: false })).status).toBe(200);
    const listed: string[] = [];
    for (let cursor: string | null = null, first = true; first || cursor; first = false) {
      const page: { body: { items: { id: string }[]; nextCursor: string | null } } = await api(
        app.url,
        'GET',
        `/api/v1/webhook-endpoints?limit=200${cursor ? `&cursor=${cursor}` : ''}`,
      );
      listed.push(...page.body.items.map((item) => item.id));
      cursor = page.body.nextCursor;
    }
    expect(listed).toContain(kept.id);
    expect(listed).not.toContain(endpoint.id);
    const secret: { secret: string }[] = await app.app
      .get(DataSource)
      .query(`SELECT secret FROM webhook_endpoints WHERE id = $1`, [endpoint.id]);
    expect(secret[0].secret).toBe('');

    const later = await emit([activated()]);
    await app.app.get(WebhookFanout).catchUp(0);
    expect(await deliveriesOf(later.refs[0].id, endpoint.id)).toEqual([]);
    expect(receiver.callsFor('/hooks/deleted', later.contractId)).toEqual([]);
  });

  it('a rotation retried after its stored answer was lost gives the secret it made, not a second rotation', async () => {
    const endpoint = await register('/hooks/rotating', ['ContractActivated']);
    const key = `rotate-${randomUUID()}`;
    const rotate = async (idempotencyKey: string) => {
      const response = await fetch(`${app.url}/api/v1/webhook-endpoints/${endpoint.id}/rotate-secret`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${TEST_ADMIN_KEY}`,
          'content-type': 'application/json',
          'idempotency-key': idempotencyKey,
        },
        body: JSON.stringify({ keepPreviousHours: 2 }),
      });
      expect(response.status).toBe(200);
      return (await response.json()) as Endpoint;
    };
    const first = await rotate(key);
    expect(first.secret).not.toBe(endpoint.secret);
    // The process died after the rotation and before the key's answer was stored: no answer on record.
    await app.app.get(DataSource).query(`DELETE FROM idempotency_keys WHERE key = $1`, [key]);
    const retried = await rotate(key);
    expect(retried.secret).toBe(first.secret);
    const [row]: { previous_secret: string }[] = await app.app
      .get(DataSource)
      .query(`SELECT previous_secret FROM webhook_endpoints WHERE id = $1`, [endpoint.id]);
    // Still signing with the secret the ERP had before: the retry did not rotate it away.
    expect(row.previous_secret).toBe(endpoint.secret);
    expect((await rotate(`rotate-${randomUUID()}`)).secret).not.toBe(first.secret);
  });

  it('refuses a bad URL or event type, an ERP key, and replays a create with the same Idempotency-Key', async () => {
    for (const body of [
      { url: 'ftp://erp.example.com/hooks', eventTypes: ['ContractActivated'] },
      { url: receiver.url('/hooks/x'), eventTypes: ['ContractEaten'] },
      { url: receiver.url('/hooks/x'), eventTypes: [] },
    ]) {
      const refused = await api<{ code: string }>(app.url, 'POST', '/api/v1/webhook-endpoints', body);
      expect(refused.status).toBe(400);
      expect(refused.body.code).toBe('REQUEST.INVALID');
    }
    const erpKey = await api<{ key: string }>(app.url, 'POST', '/api/v1/api-keys', { name: 'erp', scopes: ['erp'] });
    const forbidden = await api<{ code: string }>(
      app.url,
      'POST',
      '/api/v1/webhook-endpoints',
      { url: receiver.url('/hooks/x'), eventTypes: ['*'] },
      erpKey.body.key,
    );
    expect(forbidden.status).toBe(403);
    expect((await api(app.url, 'GET', '/api/v1/webhook-deliveries', undefined, erpKey.body.key)).status).toBe(403);

    const key = { 'idempotency-key': randomUUID() };
    const first = await register('/hooks/idempotent', ['InvoiceIssued'], key);
    const again = await register('/hooks/idempotent', ['InvoiceIssued'], key);
    expect(again).toEqual(first);
  });
});
