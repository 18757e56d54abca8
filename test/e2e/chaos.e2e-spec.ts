import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { TEST_DATABASE_URL, TEST_REDIS_URL } from '../support/test-env';

const ROOT = join(__dirname, '..', '..');

interface ChaosReport {
  ok: boolean;
  queue: string;
  kills: { inAll: { signbridge: number; worker: number } };
  invoices: { n: number };
}

/** Runs `bench/chaos/run.mjs` with these variables; its report, or an error carrying its whole output. */
async function chaos(env: Record<string, string>): Promise<ChaosReport> {
  const server = new URL(TEST_DATABASE_URL);
  server.pathname = '/postgres';
  const run = spawn(process.execPath, [join(ROOT, 'bench/chaos/run.mjs')], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      CHAOS_DATABASE_URL: server.toString(),
      CHAOS_REDIS_URL: TEST_REDIS_URL,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  run.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  run.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => run.once('exit', resolve));
  if (code !== 0) throw new Error(`the chaos check failed (exit ${code}):\n${output}`);
  // The report is the multi-line JSON object the script prints before its verdict.
  return JSON.parse(output.slice(output.indexOf('\n{\n'), output.lastIndexOf('\n}\n') + 2)) as ChaosReport;
}

/**
 * Invariant 8 at random points: `npm run chaos` on a small scale. Contracts are sent and signed through the sandbox
 * while SignBridge is SIGKILLed and restarted every 0.5 to 1.5 s and its targets fail one call in five; the script
 * then checks every effect happened once (README, "Chaos check") and exits non-zero naming what broke.
 */
describe('SignBridge killed at random while contracts are sent and signed', () => {
  it('in-process queue: every contract active, invoiced once, mailed, provisioned, audited, told to the ERP', async () => {
    const report = await chaos({ CHAOS_CONTRACTS: '40', CHAOS_RATE: '20', CHAOS_KILL_MS: '500,1500' });
    expect(report).toMatchObject({ ok: true, queue: 'in-process', invoices: { n: 40 } });
    expect(report.kills.inAll.signbridge).toBeGreaterThan(0);
  }, 400_000);

  it('the production layout on BullMQ, the API process and a worker process killed: the same', async () => {
    const report = await chaos({
      CHAOS_WORKERS: '1',
      CHAOS_KILL: 'signbridge,worker',
      CHAOS_CONTRACTS: '30',
      CHAOS_RATE: '20',
      CHAOS_KILL_MS: '500,1500',
    });
    expect(report).toMatchObject({ ok: true, queue: 'redis', invoices: { n: 30 } });
    expect(report.kills.inAll.signbridge + report.kills.inAll.worker).toBeGreaterThan(0);
  }, 400_000);
});
