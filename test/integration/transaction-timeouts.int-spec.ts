import { randomUUID } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { DataSource } from 'typeorm';
import { loadConfig } from '@app/common';
import { InvoiceMailer } from '../../libs/invoicing/src/mail/invoice-mailer';
import { eventually, startTestApp, type TestApp } from '../support/test-app';
import { connectTestDatabase } from '../support/test-db';

/**
 * A worker frozen inside a transaction (a paused VM, a stopped process) keeps its connection and its locks, the
 * invoice chain's among them: every issue would wait for it. PostgreSQL ends such a session after
 * DB_IDLE_IN_TRANSACTION_TIMEOUT. And what a transaction legitimately waits on is bounded below that: an SMTP
 * server that never answers fails the send after SMTP_TIMEOUT, not nodemailer's ten minutes.
 */
describe('how long a transaction may wait', () => {
  let app: TestApp;
  let db: DataSource;

  beforeAll(async () => {
    app = await startTestApp({
      env: { DB_IDLE_IN_TRANSACTION_TIMEOUT: '1s', PROVIDER_TIMEOUT_MS: '200', SMTP_TIMEOUT: '100ms' },
    });
    db = await connectTestDatabase();
  });
  afterAll(async () => {
    await app.close();
    await db.destroy();
  });

  it('ends a session left idle in a transaction by a frozen worker, and its locks with it', async () => {
    const key = `signbridge:invoice-chain:T${randomUUID()}`;
    const tryLock = async () =>
      (
        (await db.query(`SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS locked`, [key])) as {
          locked: boolean;
        }[]
      )[0].locked;
    let holding!: () => void;
    const held = new Promise<void>((resolve) => (holding = resolve));
    let wake!: () => void;
    const woken = new Promise<void>((resolve) => (wake = resolve));
    // The app's own pool: the setting travels in its connections' startup packet.
    const holder = app.app.get(DataSource).transaction(async (em) => {
      await em.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [key]);
      holding();
      await woken; // the worker stops here, between two statements of its transaction
      await em.query(`SELECT 1`);
    });
    const failure = holder.then(
      () => undefined,
      (error: unknown) => error,
    );
    await held;
    const started = Date.now();
    expect(await tryLock()).toBe(false);
    await eventually(async () => (await tryLock()) || undefined, {
      timeoutMs: 10_000,
      what: 'the frozen transaction to lose its lock',
    });
    await db.query(`SELECT pg_advisory_unlock(hashtextextended($1, 0))`, [key]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    wake();
    // The worker, woken, finds its session gone: its transaction failed, so whatever it did is undone and retried.
    expect(String(await failure)).toMatch(/idle-in-transaction|terminat|Connection/i);
  });

  it('fails a mail to an SMTP server that never greets within SMTP_TIMEOUT', async () => {
    const sockets: Socket[] = [];
    const silent: Server = createServer((socket) => sockets.push(socket)); // accepts, says nothing
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    const mailer = new InvoiceMailer(
      loadConfig({ SMTP_URL: `smtp://127.0.0.1:${port}`, SMTP_TIMEOUT: '300ms' }, process.cwd()),
    );
    const started = Date.now();
    try {
      await expect(
        mailer.send({
          to: 'billing@example.test',
          subject: 'Invoice',
          text: 'attached',
          messageId: `<${randomUUID()}@signbridge>`,
          attachment: { filename: 'F.pdf', content: Buffer.from('%PDF-1.7') },
          emlName: 'F',
        }),
      ).rejects.toThrow(/greeting never received|timeout/i);
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      mailer.onModuleDestroy();
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});
