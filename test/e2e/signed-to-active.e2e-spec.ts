import type { DataSource } from 'typeorm';
import { registerParty, signingHistory } from '../support/scenario';
import { startTestSandbox, type TestSandbox } from '../support/sandbox';
import {
  api,
  eventually,
  postWebhook,
  signedDelivery,
  startTestApp,
  waitForStatus,
  type TestApp,
} from '../support/test-app';
import { connectTestDatabase } from '../support/test-db';

/** The whole path, for both queue drivers: signed webhooks in any order, with repeats → customer active once. */
describe.each([
  ['in-process queue', false],
  ['BullMQ on Redis', true],
])('signed webhook to active customer (%s)', (_name, redis) => {
  let target: TestApp;
  let db: DataSource;
  // The platform whose documents the archive fetches; this test plays its webhooks by hand.
  let sandbox: TestSandbox;

  beforeAll(async () => {
    sandbox = await startTestSandbox();
    target = await startTestApp({ redis, env: { SANDBOX_URL: sandbox.url } });
    db = await connectTestDatabase();
  });
  afterAll(async () => {
    await target.close();
    await sandbox.close();
    await db.destroy();
  });

  it('activates the customer exactly once from an out-of-order, repeated event stream', async () => {
    const party = await registerParty(target.url, { signers: 2, requiredSignatureLevel: 'advanced', sandbox });
    const deliveries = signingHistory(party, 'advanced').map((event) => signedDelivery(event));
    // Completed first, signers reversed, and every delivery sent twice (a retrying platform).
    const order = [deliveries[5], deliveries[4], deliveries[0], deliveries[3], deliveries[1], deliveries[2]];
    for (const delivery of [...order, ...order.slice().reverse()]) {
      const response = await postWebhook(target.url, delivery);
      expect(response.status).toBe(200);
    }

    await waitForStatus(target.url, `/api/v1/customers/${party.customerId}`, 'active');

    const contract = await api<{ status: string; signers: { signedAt: string | null; signatureLevel: string }[] }>(
      target.url,
      'GET',
      `/api/v1/contracts/${party.contractId}`,
    );
    expect(contract.body.status).toBe('active');
    expect(contract.body.signers.map((s) => s.signatureLevel)).toEqual(['advanced', 'advanced']);
    // `completed` came first: the evidence still covers both signers (from the platform's evidence document).
    const evidence = await api<{ signers: { email: string; signatureLevel: string; signedAt: string }[] }>(
      target.url,
      'GET',
      `/api/v1/contracts/${party.contractId}/evidence`,
    );
    expect(evidence.body.signers.map((s) => s.email).sort()).toEqual(party.signers.map((s) => s.email).sort());
    expect(evidence.body.signers.every((s) => s.signatureLevel === 'advanced' && s.signedAt !== null)).toBe(true);

    const timeline = await eventually(async () => {
      const res = await api<{ items: { kind: string; type: string; inboundEventId: string | null }[] }>(
        target.url,
        'GET',
        `/api/v1/contracts/${party.contractId}/timeline`,
      );
      const providerItems = res.body.items.filter((i) => i.kind === 'provider_event');
      return providerItems.length === 6 ? res.body.items : undefined;
    });
    const providerTypes = timeline.filter((i) => i.kind === 'provider_event').map((i) => i.type);
    expect(providerTypes).toEqual(['sent', 'delivered', 'opened', 'signer_signed', 'signer_signed', 'completed']);
    expect(timeline.filter((i) => i.kind === 'system').map((i) => i.type)).toEqual(['registered', 'evidence_archived']);

    const events: { type: string; count: string }[] = await db.query(
      `SELECT type, count(*) FROM outbox WHERE aggregate_id = $1 GROUP BY type ORDER BY type`,
      [party.contractId],
    );
    const counts = Object.fromEntries(events.map((e) => [e.type, Number(e.count)]));
    expect(counts).toEqual({
      ContractActivated: 1,
      ContractDelivered: 1,
      ContractOpened: 1,
      ContractRegistered: 1,
      ContractSent: 1,
      ContractSigned: 1,
      DocumentsArchived: 1,
      SignerSigned: 2,
    });
    const customerEvents: { type: string }[] = await db.query(`SELECT type FROM outbox WHERE aggregate_id = $1`, [
      party.customerId,
    ]);
    expect(customerEvents.map((e) => e.type)).toEqual(['CustomerActivated']);
  });

  it('parks events for an unknown envelope and applies them once its contract is registered', async () => {
    const envelopeId = `env_early_${Date.now()}_${Math.random().toString(36).slice(2, 8)}`;
    const early = signedDelivery({
      type: 'envelope.delivered',
      timestamp: new Date().toISOString(),
      data: { envelope_id: envelopeId },
    });
    expect((await postWebhook(target.url, early)).status).toBe(200);
    await eventually(
      async () => {
        const res = await api<{ items: { providerEventId: string; status: string }[] }>(
          target.url,
          'GET',
          `/api/v1/inbound-events?status=parked&envelopeId=${envelopeId}`,
        );
        return res.body.items.find((i) => i.providerEventId === early.id);
      },
      { what: 'the early event parked' },
    );

    const party = await registerParty(target.url, { envelopeId, signers: 1 });
    await waitForStatus(target.url, `/api/v1/contracts/${party.contractId}`, 'delivered');
  });

  it('puts a contract signed below its required level on hold, and leaves the customer pending', async () => {
    const party = await registerParty(target.url, { signers: 1, requiredSignatureLevel: 'advanced' });
    for (const event of signingHistory(party, 'simple')) {
      expect((await postWebhook(target.url, signedDelivery(event))).status).toBe(200);
    }
    const contract = await waitForStatus<{ status: string; hold: { reason: string } | null }>(
      target.url,
      `/api/v1/contracts/${party.contractId}`,
      'on_hold',
    );
    expect(contract.hold?.reason).toBe('SIGNATURE.LEVEL_TOO_LOW');
    const customer = await api<{ status: string }>(target.url, 'GET', `/api/v1/customers/${party.customerId}`);
    expect(customer.body.status).toBe('pending');
  });
});
