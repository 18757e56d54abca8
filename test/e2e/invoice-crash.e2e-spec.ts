import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { sendBilledContract, signAll, uniqueSeries } from '../support/invoicing';
import { samplePdfBase64, startTestSandbox, type TestSandbox } from '../support/sandbox';
import { eventually, startTestApp, type TestApp } from '../support/test-app';
import { connectTestDatabase } from '../support/test-db';
import { startWorkerProcess, type WorkerProcess } from '../support/worker-process';

/**
 * Invariants 3 and 8: a worker SIGKILLed with the invoice issued (numbered, chained, committed) but not yet
 * mailed. After a restart: one invoice, one number, one e-mail.
 */
describe('worker killed between issuing an invoice and mailing it', () => {
  let sandbox: TestSandbox;
  let api: TestApp;
  let db: DataSource;
  let worker: WorkerProcess | undefined;
  const series = uniqueSeries();
  const dataDir = mkdtempSync(join(tmpdir(), 'signbridge-invoice-crash-'));
  const workerEnv = () => ({
    INVOICE_SERIES: series,
    DATA_DIR: dataDir,
    SANDBOX_URL: sandbox.url,
    // The send job the killed worker held runs again within seconds.
    JOB_LOCK_MS: '2000',
  });

  beforeAll(async () => {
    sandbox = await startTestSandbox();
    api = await startTestApp({
      redis: true,
      env: { SIGNBRIDGE_ROLES: 'api', SANDBOX_URL: sandbox.url, INVOICE_SERIES: series, DATA_DIR: dataDir },
    });
    db = await connectTestDatabase();
  });
  afterAll(async () => {
    await worker?.stop();
    await api.close();
    await sandbox.close();
    await db.destroy();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('recovers on restart: one invoice, one number, one e-mail', async () => {
    worker = startWorkerProcess(api.queuePrefix, { ...workerEnv(), SIGNBRIDGE_FAULT: 'crash-after-invoice-issued' });
    const contract = await sendBilledContract(api.url, await samplePdfBase64('Crash', 1), { plan: 'basic' });
    await signAll(sandbox, contract);
    const death = await worker.exited;
    expect(death.signal).toBe('SIGKILL');

    const issued: { full_number: string; status: string }[] = await db.query(
      `SELECT full_number, status FROM invoices WHERE contract_id = $1`,
      [contract.contractId],
    );
    expect(issued).toEqual([
      { full_number: expect.stringMatching(new RegExp(`^${series}\\d{4}-000001$`)), status: 'issued' },
    ]);
    const mailDir = join(dataDir, 'mail');
    expect(existsSync(mailDir) ? readdirSync(mailDir) : []).toEqual([]);

    worker = startWorkerProcess(api.queuePrefix, workerEnv());
    const sent = await eventually(
      async () => {
        const rows: { id: string; full_number: string; status: string }[] = await db.query(
          `SELECT id, full_number, status FROM invoices WHERE contract_id = $1`,
          [contract.contractId],
        );
        return rows[0]?.status === 'sent' ? rows : undefined;
      },
      { timeoutMs: 30_000, what: 'the invoice to be sent after the restart' },
    );
    expect(sent).toHaveLength(1);
    expect(sent[0].full_number).toBe(issued[0].full_number);
    const files = readdirSync(join(dataDir, 'mail'));
    expect(files).toEqual([`${issued[0].full_number}.eml`]);
    const eml = readFileSync(join(dataDir, 'mail', files[0]), 'utf8');
    expect(eml).toContain(`Message-ID: <${sent[0].id}@signbridge>`);
    expect(eml).toContain('Content-Type: application/pdf');
    const [counter]: { last_number: number }[] = await db.query(
      `SELECT last_number FROM invoice_series_counters WHERE series = $1`,
      [series],
    );
    expect(counter.last_number).toBe(1);
    const events: { type: string; n: string }[] = await db.query(
      `SELECT o.type, count(*) AS n FROM outbox o WHERE o.aggregate_id = $1 GROUP BY o.type ORDER BY o.type`,
      [sent[0].id],
    );
    expect(events.map((e) => [e.type, Number(e.n)])).toEqual([
      ['InvoiceIssued', 1],
      ['InvoiceSent', 1],
    ]);
  });
});
