import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { sendBilledContract, signAll, uniqueSeries, type SentForBilling } from '../support/invoicing';
import { samplePdfBase64, startTestSandbox, type TestSandbox } from '../support/sandbox';
import { eventually, startTestApp, type TestApp } from '../support/test-app';
import { connectTestDatabase } from '../support/test-db';
import { startWorkerProcess, type WorkerProcess } from '../support/worker-process';

const CONTRACTS = 200;
const WORKERS = 4;

async function inBatches<T, R>(items: T[], size: number, run: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let i = 0; i < items.length; i += size) results.push(...(await Promise.all(items.slice(i, i + size).map(run))));
  return results;
}

/**
 * Invariant 3 under load: 200 contracts signed at once, activated and invoiced by 4 worker processes; the
 * series (its own) gets numbers 1..200, no gap, no repeat, one first invoice per contract.
 */
describe('invoice numbering with 4 workers and 200 simultaneous activations', () => {
  let sandbox: TestSandbox;
  let api: TestApp;
  let db: DataSource;
  const workers: WorkerProcess[] = [];
  const series = uniqueSeries();
  const mailDir = mkdtempSync(join(tmpdir(), 'signbridge-invoices-'));

  beforeAll(async () => {
    sandbox = await startTestSandbox();
    const env = { INVOICE_SERIES: series, DATA_DIR: mailDir };
    api = await startTestApp({ redis: true, env: { ...env, SIGNBRIDGE_ROLES: 'api', SANDBOX_URL: sandbox.url } });
    for (let i = 0; i < WORKERS; i++) {
      workers.push(
        startWorkerProcess(api.queuePrefix, {
          ...env,
          SANDBOX_URL: sandbox.url,
          SWEEP_GRACE_MS: '600000',
          DB_POOL_SIZE: '8',
        }),
      );
    }
    db = await connectTestDatabase();
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await api.close();
    await sandbox.close();
    await db.destroy();
    rmSync(mailDir, { recursive: true, force: true });
  });

  it('numbers 1..200 without gap or repeat, one first invoice per contract, each mailed once', async () => {
    const pdf = await samplePdfBase64('Load', 1);
    const contracts: SentForBilling[] = await inBatches(
      Array.from({ length: CONTRACTS }, (_, i) => i),
      50,
      (i) =>
        sendBilledContract(api.url, pdf, {
          lines: [{ description: `Seat ${i}`, quantity: 1 + (i % 3), unitPriceCents: 1_000 + i, vatRate: 21 }],
        }),
    );
    // Everyone signs at once.
    await Promise.all(contracts.map((c) => signAll(sandbox, c)));

    const ids = contracts.map((c) => c.contractId);
    const signedAt = Date.now();
    const invoices = await eventually(
      async () => {
        const rows: { contract_id: string; number: number; full_number: string; status: string }[] = await db.query(
          `SELECT contract_id, number, full_number, status FROM invoices WHERE series = $1 ORDER BY number`,
          [series],
        );
        return rows.length >= CONTRACTS && rows.every((r) => r.status === 'sent') ? rows : undefined;
      },
      { timeoutMs: 50_000, intervalMs: 250, what: `${CONTRACTS} invoices sent in series ${series}` },
    );
    process.stdout.write(`${CONTRACTS} invoices issued and sent ${Date.now() - signedAt} ms after signing\n`);
    expect(invoices.map((r) => r.number)).toEqual(Array.from({ length: CONTRACTS }, (_, i) => i + 1));
    expect(new Set(invoices.map((r) => r.contract_id))).toEqual(new Set(ids));
    expect(new Set(invoices.map((r) => r.full_number)).size).toBe(CONTRACTS);
    const [counter]: { last_number: number }[] = await db.query(
      `SELECT last_number FROM invoice_series_counters WHERE series = $1`,
      [series],
    );
    expect(counter.last_number).toBe(CONTRACTS);
    // Every worker took part, and each invoice went out as exactly one .eml file.
    expect(readdirSync(join(mailDir, 'mail')).filter((f) => f.endsWith('.eml'))).toHaveLength(CONTRACTS);
    expect(workers.every((w) => w.child.exitCode === null)).toBe(true);
  }, 90_000);
});
