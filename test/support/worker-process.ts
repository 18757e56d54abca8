import { tmpdir } from 'node:os';
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync } from 'node:fs';
import { join } from 'node:path';
import { TEST_SANDBOX_API_KEY, TEST_SECRET } from './test-app';
import { TEST_DATABASE_URL, TEST_REDIS_URL } from './test-env';

const ROOT = join(__dirname, '..', '..');

export interface WorkerProcess {
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(): Promise<void>;
}

/**
 * The built worker app as a real child process (npm test builds first), its output in a log file. It speaks to a
 * test sandbox with the tests' key and webhook secret; `env` adds `SANDBOX_URL` and the rest.
 */
export function startWorkerProcess(queuePrefix: string, env: Record<string, string> = {}): WorkerProcess {
  const log = openSync(join('/tmp', `signbridge-worker-${queuePrefix}-${Date.now()}.log`), 'a');
  const child = spawn(process.execPath, [join(ROOT, 'dist/apps/worker/src/main.js')], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      // Generated secrets (the sandbox's key and webhook secret) go here, not into the checkout's .data.
      DATA_DIR: join(tmpdir(), 'signbridge-worker-test'),
      DATABASE_URL: TEST_DATABASE_URL,
      REDIS_URL: TEST_REDIS_URL,
      QUEUE_PREFIX: queuePrefix,
      MIGRATIONS_RUN: 'false',
      LOG_LEVEL: 'warn',
      SWEEP_INTERVAL_MS: '200',
      SWEEP_GRACE_MS: '1000',
      JOB_BACKOFF_MS: '50',
      DB_POOL_SIZE: '5',
      SANDBOX_WEBHOOK_SECRETS: TEST_SECRET,
      SANDBOX_API_KEY: TEST_SANDBOX_API_KEY,
      ...env,
    },
    stdio: ['ignore', log, log],
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    exited,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
