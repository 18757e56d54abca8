import {
  draft,
  dropSchema,
  eventually,
  newSchema,
  Receiver,
  startSandboxWebhookApp,
  waitForDelivery,
  type SandboxWebhookApp,
} from './sandbox-webhook-harness';

interface FaultsView {
  duplicate: boolean;
  shuffle: boolean;
  shuffle_window_ms: number;
  drop_first_attempt: boolean;
  delay_ms: number;
  deliver_before_response: boolean;
  tamper_documents: boolean;
}

const NONE: FaultsView = {
  duplicate: false,
  shuffle: false,
  shuffle_window_ms: 500,
  drop_first_attempt: false,
  delay_ms: 0,
  deliver_before_response: false,
  tamper_documents: false,
};

/** The switchable misbehaviours, set at runtime through PUT /v1/faults as a test suite would. */
describe('Sandbox webhook faults', () => {
  const schema = newSchema();
  let sandbox: SandboxWebhookApp;
  let receiver: Receiver;

  beforeAll(async () => {
    // One at a time: without shuffle, messages then leave in creation order, so the shuffle test can fail.
    sandbox = await startSandboxWebhookApp(schema, {
      SANDBOX_WEBHOOK_RETRY_SCHEDULE: '200ms,200ms',
      SANDBOX_WEBHOOK_CONCURRENCY: '1',
    });
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
    await sandbox.api('PUT', '/v1/faults', NONE);
  });

  const setFaults = async (changes: Partial<FaultsView>) => {
    const reply = await sandbox.api<FaultsView>('PUT', '/v1/faults', changes);
    expect(reply.status).toBe(200);
    return reply.body;
  };

  it('reads the configured faults and changes only the fields sent', async () => {
    const initial = await sandbox.api<FaultsView>('GET', '/v1/faults');
    expect(initial).toMatchObject({ status: 200, body: NONE });
    expect(await setFaults({ delay_ms: 50, deliver_before_response: true })).toEqual({
      ...NONE,
      delay_ms: 50,
      deliver_before_response: true,
    });
    expect(await setFaults({ duplicate: true })).toEqual({
      ...NONE,
      delay_ms: 50,
      deliver_before_response: true,
      duplicate: true,
    });
    // The envelope code reads the same state through the port.
    expect(sandbox.outbox.faults()).toMatchObject({ delayMs: 50, deliverBeforeResponse: true, duplicate: true });
    expect((await sandbox.api<FaultsView>('GET', '/v1/faults')).body.duplicate).toBe(true);
  });

  it('rejects invalid faults, naming the field, and changes nothing', async () => {
    for (const body of [{ delay_ms: -1 }, { shuffle_window_ms: 600_001 }, { duplicate: 'yes' }, { surprise: true }]) {
      const reply = await sandbox.api<{ code: string; detail: string }>('PUT', '/v1/faults', body);
      expect(reply.status).toBe(400);
      expect(reply.body.code).toBe('REQUEST.INVALID');
      expect(reply.body.detail).toContain(Object.keys(body)[0]);
    }
    expect((await sandbox.api<FaultsView>('GET', '/v1/faults')).body).toEqual(NONE);
  });

  it('duplicate: every successful send arrives twice with the same webhook-id', async () => {
    await setFaults({ duplicate: true });
    const ids = await sandbox.send(Array.from({ length: 5 }, () => draft(receiver.url)));
    for (const id of ids) {
      const view = await waitForDelivery(sandbox, id, 'delivered');
      expect(view.attempts).toBe(1);
      expect(view.attempt_log.map((a) => [a.attempt, a.outcome, a.duplicate])).toEqual([
        [1, 'delivered', false],
        [1, 'delivered', true],
      ]);
    }
    await eventually(async () => (receiver.received.length === 10 ? true : undefined));
    for (const id of ids) {
      const copies = receiver.of(id);
      expect(copies).toHaveLength(2);
      expect(copies[1].rawBody.equals(copies[0].rawBody)).toBe(true);
    }
  });

  it('drop-first: attempt 1 is logged as dropped and never sent; the retry delivers', async () => {
    await setFaults({ drop_first_attempt: true });
    const [id] = await sandbox.send([draft(receiver.url)]);
    const view = await waitForDelivery(sandbox, id, 'delivered', { attempts: 2 });
    expect(view.attempt_log.map((a) => [a.attempt, a.outcome, a.status_code])).toEqual([
      [1, 'dropped', null],
      [2, 'delivered', 204],
    ]);
    expect(receiver.of(id)).toHaveLength(1);
    const gap = Date.parse(view.attempt_log[1].started_at) - Date.parse(view.attempt_log[0].started_at);
    expect(gap).toBeGreaterThanOrEqual(190);
  });

  it('shuffle: 30 messages created in order all arrive once, not in creation order', async () => {
    const control = await sandbox.send(Array.from({ length: 10 }, () => draft(receiver.url)));
    await eventually(async () => (receiver.received.length === 10 ? true : undefined));
    expect(receiver.received.map((r) => r.id)).toEqual(control);
    receiver.received.length = 0;

    await setFaults({ shuffle: true, shuffle_window_ms: 600 });
    const ids = await sandbox.send(Array.from({ length: 30 }, (_, n) => draft(receiver.url, { data: { n } })));
    await eventually(async () => (receiver.received.length >= 30 ? true : undefined));
    const arrived = receiver.received.map((r) => r.id);
    expect([...arrived].sort()).toEqual([...ids].sort());
    expect(arrived).not.toEqual(ids);
  });

  it('delay: each attempt waits a random 0..delay_ms before it is sent', async () => {
    await setFaults({ delay_ms: 400 });
    const sentAt = Date.now();
    const ids = await sandbox.send(Array.from({ length: 10 }, () => draft(receiver.url)));
    await eventually(async () => (receiver.received.length === 10 ? true : undefined));
    const latencies = ids.map((id) => receiver.of(id)[0].at - sentAt);
    // Sent one after another, each after its own random wait: ten draws in 0..400 ms add up to ~2 s.
    expect(Math.max(...latencies)).toBeGreaterThanOrEqual(500);
    expect(Math.max(...latencies)).toBeLessThan(6000);
  });

  it('switching a fault off takes effect for the next message', async () => {
    await setFaults({ duplicate: true });
    const [first] = await sandbox.send([draft(receiver.url)]);
    await eventually(async () => (receiver.of(first).length === 2 ? true : undefined));
    await setFaults({ duplicate: false });
    const [second] = await sandbox.send([draft(receiver.url)]);
    await waitForDelivery(sandbox, second, 'delivered');
    expect(receiver.of(second)).toHaveLength(1);
  });
});
