import { WebhookMessageStore } from '@app/sandbox';
import { TcpProxy } from '../support/tcp-proxy';
import { TEST_DATABASE_URL } from '../support/test-env';
import {
  draft,
  dropSchema,
  newSchema,
  Receiver,
  startSandboxWebhookApp,
  waitForDelivery,
  type SandboxWebhookApp,
} from './sandbox-webhook-harness';

/** With its database gone the dispatcher backs off instead of hammering it, and resumes when it returns. */
describe('Sandbox webhook dispatcher without its database', () => {
  const schema = newSchema();
  const target = new URL(TEST_DATABASE_URL);
  const proxy = new TcpProxy(target.hostname, Number(target.port || 5432));
  let sandbox: SandboxWebhookApp;
  let receiver: Receiver;

  beforeAll(async () => {
    await proxy.up();
    const viaProxy = new URL(TEST_DATABASE_URL);
    viaProxy.port = String(proxy.port);
    sandbox = await startSandboxWebhookApp(schema, { SANDBOX_WEBHOOK_POLL_MS: '50' }, viaProxy.toString());
    receiver = await new Receiver().start();
  });
  afterAll(async () => {
    await sandbox?.close();
    await receiver?.stop();
    await proxy.down();
    await dropSchema(schema);
  });

  it('polls ever more slowly while the database is down, then delivers once it is back', async () => {
    const claim = jest.spyOn(sandbox.app.get(WebhookMessageStore), 'claim');
    await proxy.down();
    claim.mockClear();
    try {
      await new Promise((resolve) => setTimeout(resolve, 2000));
    } finally {
      await proxy.up();
    }
    // At a steady 50 ms poll this would be ~40 claims; doubling from 100 ms it is a handful.
    expect(claim.mock.calls.length).toBeGreaterThan(0);
    expect(claim.mock.calls.length).toBeLessThanOrEqual(8);

    const [id] = await sandbox.send([draft(receiver.url)]);
    await waitForDelivery(sandbox, id, 'delivered', { timeoutMs: 10_000 });
    expect(receiver.of(id)).toHaveLength(1);
  });
});
