// Activation benchmark: contracts signed through the sandbox platform at a steady rate; for each, the time from
// the `envelope.completed` webhook's arrival at SignBridge to its first invoice issued and every provisioning
// action done. Compared with the issue's targets: p50 < 100 ms and p99 < 500 ms at 100 contracts/s.
//
//   npm run bench:activation                      # build, then 1,000 contracts at 100/s
//   BENCH_CONTRACTS=300 BENCH_RATE=50 node bench/activation/run.mjs
//
// Env: BENCH_CONTRACTS (default 1000), BENCH_RATE (contracts/s, default 100), BENCH_WARMUP (contracts signed at the
// same rate and finished first, not measured: the processes' code is then compiled for the path, as in a server
// that has been running; default 0), BENCH_QUEUE (in-process | redis,
// default in-process: the zero-set-up mode), BENCH_WORKERS (n > 0: an api-only process plus n worker processes,
// on Redis), BENCH_DATABASE_URL (a server; a fresh database is made on it), BENCH_REDIS_URL,
// BENCH_NODE_ARGS (extra node flags for SignBridge, e.g. --cpu-prof; BENCH_SANDBOX_NODE_ARGS for the sandbox), BENCH_ERP_WEBHOOKS (1: an ERP webhook endpoint
// subscribed to every event type, answering at once, as a fast ERP would; default 0: none registered),
// BENCH_KEEP_DATABASE (1: leave the run's database in place, to read its tables' statistics afterwards).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import {
  atRate,
  deleteQueueKeys,
  exitWhenSettled,
  runIdentity,
  samplePdf,
  sendContracts,
  sleep,
} from '../support/harness.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const RESULTS_DIR = path.join(ROOT, 'bench/results');
const CONTRACTS = Number(process.env.BENCH_CONTRACTS ?? 1000);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 0);
const RATE = Number(process.env.BENCH_RATE ?? 100);
const WORKERS = Number(process.env.BENCH_WORKERS ?? 0);
const ERP_WEBHOOKS = process.env.BENCH_ERP_WEBHOOKS === '1';
// Separate worker processes need the queue in Redis.
const QUEUE = WORKERS > 0 ? 'redis' : (process.env.BENCH_QUEUE ?? 'in-process');
const SERVER_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const TARGETS = { p50Ms: 100, p99Ms: 500, rate: 100 };
const SIGNBRIDGE_PORT = 4301;
const SANDBOX_PORT = 4302;
const children = [];
// The run's BullMQ keys (BENCH_WORKERS, BENCH_QUEUE=redis) start with this; they are deleted at the end.
const queuePrefix = `bench-${randomBytes(4).toString('hex')}`;
const run = runIdentity({ keyLabel: 'bench', databasePrefix: 'signbridge_bench_activation', serverUrl: SERVER_URL });

async function main() {
  if (!Number.isInteger(CONTRACTS) || CONTRACTS < 10) fail('BENCH_CONTRACTS must be a whole number >= 10');
  if (!Number.isInteger(WARMUP) || WARMUP < 0) fail('BENCH_WARMUP must be a whole number >= 0');
  if (!(RATE > 0)) fail('BENCH_RATE must be > 0');
  mkdirSync(RESULTS_DIR, { recursive: true });
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'signbridge-bench-'));
  await run.createDatabase();
  const targets = await startTargets();
  try {
    start('sandbox', 'dist/apps/sandbox/src/main.js', {
      SANDBOX_PORT: String(SANDBOX_PORT),
      SANDBOX_DATABASE_URL: run.databaseUrl,
      SANDBOX_DB_SCHEMA: 'sandbox',
      SANDBOX_API_KEY: run.sandboxKey,
      SANDBOX_WEBHOOK_SECRET: run.webhookSecret,
      SANDBOX_WEBHOOK_RETRY_SCHEDULE: '1s,2s,5s,10s',
      SANDBOX_WEBHOOK_CONCURRENCY: '64',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
    });
    const signbridgeEnv = {
      PORT: String(SIGNBRIDGE_PORT),
      DATABASE_URL: run.databaseUrl,
      ...(QUEUE === 'redis' ? { REDIS_URL, QUEUE_PREFIX: queuePrefix } : {}),
      SANDBOX_URL: `http://127.0.0.1:${SANDBOX_PORT}`,
      SANDBOX_API_KEY: run.sandboxKey,
      SANDBOX_WEBHOOK_SECRETS: run.webhookSecret,
      SIGNBRIDGE_ADMIN_API_KEY: run.adminKey,
      PROVISIONING_ACCESS_CREDENTIALS_URL: targets.url,
      PROVISIONING_WAREHOUSE_ORDER_URL: targets.url,
      PROVISIONING_SECRET: 'bench-provisioning-secret-0123456789',
      ...(process.env.WORKER_CONCURRENCY ? { WORKER_CONCURRENCY: process.env.WORKER_CONCURRENCY } : {}),
      ...(process.env.DB_POOL_SIZE ? { DB_POOL_SIZE: process.env.DB_POOL_SIZE } : {}),
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
    };
    // BENCH_WORKERS=n: an api-only SignBridge plus n worker processes (the production layout), else one process.
    start('signbridge', 'dist/apps/api/src/main.js', {
      ...signbridgeEnv,
      ...(WORKERS > 0 ? { SIGNBRIDGE_ROLES: 'api' } : {}),
    });
    await healthy(SANDBOX_PORT);
    await healthy(SIGNBRIDGE_PORT);
    if (ERP_WEBHOOKS) {
      await call(SIGNBRIDGE_PORT, 'POST', '/api/v1/webhook-endpoints', {
        url: `${targets.url}/erp`,
        eventTypes: ['*'],
      });
    }
    for (let i = 0; i < WORKERS; i++)
      start(`worker-${i}`, 'dist/apps/worker/src/main.js', { ...signbridgeEnv, MIGRATIONS_RUN: 'false' });

    process.stdout.write(`sending ${WARMUP + CONTRACTS} contracts for signature (setup, not measured)...\n`);
    const all = await sendAll(await samplePdf('Bench agreement'), WARMUP + CONTRACTS);
    await waitUntil(
      async () => (await count(`SELECT count(*) FROM contracts WHERE status = 'delivered'`)) === WARMUP + CONTRACTS,
      120_000,
      'every contract delivered',
    );
    if (WARMUP > 0) {
      process.stdout.write(`warming up: signing ${WARMUP} contracts at ${RATE}/s (not measured)...\n`);
      const warmup = all.slice(0, WARMUP);
      await signAtRate(warmup);
      await waitUntil(async () => (await done(warmup)) === WARMUP, 300_000, 'the warm-up contracts finished', 1000);
    }
    const contracts = all.slice(WARMUP);

    process.stdout.write(`signing ${CONTRACTS} contracts at ${RATE}/s...\n`);
    const cpuBefore = await cpuByProcess();
    const startedAt = Date.now();
    const lateness = await signAtRate(contracts);
    const signedAt = Date.now();
    // Polled once a second: the check reads every contract, and its cost would land in the measured CPU. The
    // latencies come from the rows' own timestamps, so the polling rate does not change them.
    await waitUntil(
      async () => (await done(contracts)) === CONTRACTS,
      300_000,
      'every contract invoiced and provisioned',
      1000,
    );
    const cpu = cpuPerContract(cpuBefore, await cpuByProcess());
    // Their backends exit and so report every deadlock they were in; counted over the whole run, setup included.
    await stopAll();
    const report = {
      ...(await measure(contracts, startedAt, signedAt, lateness, targets.calls())),
      // A clean run has none: each is a second's wait for the transactions involved and a pass done again.
      deadlocks: await deadlocks(),
      erpWebhookCalls: ERP_WEBHOOKS ? targets.erpCalls() : null,
      warmupContracts: WARMUP,
      cpuMsPerContract: cpu,
    };
    const file = path.join(RESULTS_DIR, `activation-${run.stamp}.json`);
    writeFileSync(file, JSON.stringify(report, null, 2));
    process.stdout.write(`${render(report)}\nraw: ${path.relative(ROOT, file)}\n`);
  } finally {
    await checker?.end().catch(() => undefined);
    await stopAll();
    targets.close();
    await run.dropDatabase({ keep: process.env.BENCH_KEEP_DATABASE === '1' });
    if (QUEUE === 'redis') await deleteQueueKeys(REDIS_URL, queuePrefix);
  }
}

/**
 * CPU time used so far (ms, user + system) by SignBridge's processes, the sandbox, PostgreSQL (every `postgres`
 * process, plus what the postmaster collected from backends that exited), this runner with its HTTP target and,
 * with the queue in Redis, every `redis-server` process; from /proc, so Linux only (elsewhere: null). PostgreSQL and
 * Redis are the machine's, so other databases' and other clients' work counts too.
 * `backends`: each of the run database's connections, by PID, with the `application_name` its party set
 * (`signbridge`, `signbridge-sandbox`, `bench-runner`), so PostgreSQL's CPU can be split by whom it served.
 */
async function cpuByProcess() {
  const tick = 10; // ms per clock tick: USER_HZ is 100 on Linux
  const stat = (pid) => {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      return {
        self: (Number(fields[11]) + Number(fields[12])) * tick,
        reaped: (Number(fields[13]) + Number(fields[14])) * tick,
      };
    } catch {
      return { self: 0, reaped: 0 };
    }
  };
  try {
    readdirSync('/proc/self');
  } catch {
    return null;
  }
  const byName = { signbridge: 0, sandbox: 0, postgres: 0, runner: stat(process.pid).self };
  // The machine's Redis serves SignBridge's queue alone here (the sandbox does not use it).
  if (QUEUE === 'redis') byName.redis = 0;
  for (const child of children) {
    const name = child.benchName === 'sandbox' ? 'sandbox' : 'signbridge';
    byName[name] += stat(child.pid).self;
  }
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    let comm = '';
    try {
      comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
    } catch {
      continue;
    }
    if (comm === 'redis-server' && byName.redis !== undefined) byName.redis += stat(pid).self;
    if (comm !== 'postgres') continue;
    const { self, reaped } = stat(pid);
    byName.postgres += self + reaped;
  }
  const connections = await query(
    `SELECT pid, application_name FROM pg_stat_activity
      WHERE datname = current_database() AND backend_type = 'client backend'`,
  );
  const backends = new Map(connections.map((c) => [c.pid, { party: c.application_name, ms: stat(c.pid).self }]));
  return { byName, backends };
}

/**
 * Each party's CPU per contract between the two readings, and PostgreSQL's split by the party its connections
 * served: a connection open at both readings counts its difference, one opened between them all it used. What is
 * left (connections that closed meanwhile, the checkpointer, WAL writer, autovacuum) is `postgres, other`.
 */
function cpuPerContract(before, after) {
  if (!before || !after) return null;
  const perContract = (ms) => Math.round((ms / CONTRACTS) * 10) / 10;
  const result = Object.fromEntries(
    Object.keys(after.byName).map((name) => [name, perContract(after.byName[name] - before.byName[name])]),
  );
  const served = { signbridge: 0, 'signbridge-sandbox': 0, 'bench-runner': 0 };
  let attributed = 0;
  for (const [pid, backend] of after.backends) {
    if (!(backend.party in served)) continue;
    const used = backend.ms - (before.backends.get(pid)?.ms ?? 0);
    served[backend.party] += used;
    attributed += used;
  }
  result.postgresFor = {
    signbridge: perContract(served.signbridge),
    sandbox: perContract(served['signbridge-sandbox']),
    runner: perContract(served['bench-runner']),
    other: perContract(after.byName.postgres - before.byName.postgres - attributed),
  };
  return result;
}

/** The company's service platform and warehouse: answer at once, as a fast target would. */
async function startTargets() {
  let calls = 0;
  let erpCalls = 0;
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      if (req.url === '/erp') {
        erpCalls += 1;
        res.writeHead(204).end();
        return;
      }
      calls += 1;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: `ref_${calls}`, accountId: `acct_${calls}`, orderNumber: `WO-${calls}` }));
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    calls: () => calls,
    erpCalls: () => erpCalls,
    close: () => server.close(),
  };
}

/** Sends them with the bench's own label; a request with a key is never needed here (nothing is killed). */
function sendAll(pdf, total) {
  const post = (pathname, body) => call(SIGNBRIDGE_PORT, 'POST', pathname, body);
  return sendContracts(post, { label: 'bench', stamp: run.stamp, pdf, total, concurrency: 16 });
}

/** One contract every 1/RATE s, on a fixed schedule; returns how late each went. */
function signAtRate(contracts) {
  return atRate(contracts, RATE, (contract) =>
    call(SANDBOX_PORT, 'POST', `/v1/envelopes/${contract.envelopeId}/simulate`, { action: 'sign' }, run.sandboxKey),
  );
}

/** Of these contracts, those with their first invoice issued and every provisioning run succeeded. */
async function done(contracts) {
  return count(
    `SELECT count(*) FROM contracts c
      WHERE c.id = ANY ($1::uuid[])
        AND EXISTS (SELECT 1 FROM invoices i WHERE i.contract_id = c.id AND i.kind = 'invoice')
        AND NOT EXISTS (SELECT 1 FROM provisioning_orders p WHERE p.contract_id = c.id AND p.status <> 'succeeded')
        AND (SELECT count(*) FROM provisioning_orders p WHERE p.contract_id = c.id) = 2`,
    [contracts.map((c) => c.id)],
  );
}

async function measure(contracts, startedAt, signedAt, lateness, targetCalls) {
  const ids = [contracts.map((c) => c.id)];
  // A row's own times (`now()`) are its transaction's start. With the server's `track_commit_timestamp` on, each
  // milestone is read as its transaction's commit instead, through a row that transaction wrote last (a subscriber's
  // receipt; a provisioning run's row, last written when done; the completed webhook's inbound row, when processed);
  // otherwise as the transaction's start, a commit early.
  const [{ track_commit_timestamp: tracked }] = await query('SHOW track_commit_timestamp');
  const measuredTo = tracked === 'on' ? 'commit' : 'transaction start';
  const completed = (at) =>
    `(SELECT ${at} FROM inbound_events e WHERE e.envelope_id = c.envelope_id AND e.provider_type = 'envelope.completed')`;
  const receiptCommitted = (eventType, subscriber) =>
    `(SELECT pg_xact_commit_timestamp(r.xmin) FROM outbox o
        JOIN subscriber_receipts r ON r.event_id = o.id AND r.subscriber = '${subscriber}'
       WHERE o.aggregate_id = c.id AND o.type = '${eventType}')`;
  const outboxBegun = (eventType) =>
    `(SELECT o.created_at FROM outbox o WHERE o.aggregate_id = c.id AND o.type = '${eventType}')`;
  const milestones =
    measuredTo === 'commit'
      ? {
          invoiced: receiptCommitted('ContractActivated', 'invoicing.issue-first-invoice'),
          provisioned: `(SELECT max(pg_xact_commit_timestamp(p.xmin)) FROM provisioning_orders p WHERE p.contract_id = c.id)`,
          ContractSigned: completed('max(pg_xact_commit_timestamp(e.xmin))'),
          DocumentsArchived: receiptCommitted('ContractSigned', 'archive.archive-evidence'),
          ContractActivated: receiptCommitted('DocumentsArchived', 'contracts.apply-evidence-outcome'),
        }
      : {
          invoiced: `(SELECT i.created_at FROM invoices i WHERE i.contract_id = c.id AND i.kind = 'invoice')`,
          provisioned: `(SELECT max(p.completed_at) FROM provisioning_orders p WHERE p.contract_id = c.id)`,
          ContractSigned: outboxBegun('ContractSigned'),
          DocumentsArchived: outboxBegun('DocumentsArchived'),
          ContractActivated: outboxBegun('ContractActivated'),
        };
  const rows = await query(
    `SELECT ${completed('min(e.received_at)')} AS completed_at,
            ${milestones.invoiced} AS invoiced_at, ${milestones.provisioned} AS provisioned_at,
            ${milestones.ContractSigned} AS "ContractSigned", ${milestones.DocumentsArchived} AS "DocumentsArchived",
            ${milestones.ContractActivated} AS "ContractActivated"
       FROM contracts c
      WHERE c.id = ANY ($1::uuid[])`,
    ids,
  );
  const latencies = rows
    .map((r) => Math.max(r.invoiced_at.getTime(), r.provisioned_at.getTime()) - r.completed_at.getTime())
    .sort((a, b) => a - b);
  const invoiceOnly = rows.map((r) => r.invoiced_at.getTime() - r.completed_at.getTime()).sort((a, b) => a - b);
  const p = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  // Where the time goes: each milestone's p50 after the completed webhook's arrival.
  const stageP50 = Object.fromEntries(
    ['ContractSigned', 'DocumentsArchived', 'ContractActivated'].map((type) => [
      type,
      p(
        rows.map((r) => r[type].getTime() - r.completed_at.getTime()).sort((a, b) => a - b),
        0.5,
      ),
    ]),
  );
  const lastDone = Math.max(...rows.map((r) => Math.max(r.invoiced_at.getTime(), r.provisioned_at.getTime())));
  const firstCompleted = Math.min(...rows.map((r) => r.completed_at.getTime()));
  const sustained = CONTRACTS / ((lastDone - firstCompleted) / 1000);
  return {
    when: new Date().toISOString(),
    contracts: CONTRACTS,
    queue: QUEUE,
    workerProcesses: WORKERS,
    offeredRate: RATE,
    achievedSigningRate: CONTRACTS / ((signedAt - startedAt) / 1000),
    signingLatenessP99Ms: p(
      [...lateness].sort((a, b) => a - b),
      0.99,
    ),
    sustainedRate: sustained,
    latencyMs: { p50: p(latencies, 0.5), p90: p(latencies, 0.9), p99: p(latencies, 0.99), max: latencies.at(-1) },
    invoiceLatencyMs: { p50: p(invoiceOnly, 0.5), p99: p(invoiceOnly, 0.99) },
    measuredTo,
    stageP50Ms: stageP50,
    provisioningCalls: targetCalls,
    targets: TARGETS,
    ratios: {
      p50OfTarget: p(latencies, 0.5) / TARGETS.p50Ms,
      p99OfTarget: p(latencies, 0.99) / TARGETS.p99Ms,
      rateOfTarget: sustained / TARGETS.rate,
    },
    machine: { cpus: os.cpus().length, node: process.version },
  };
}

function render(r) {
  const f = (n) => (typeof n === 'number' ? n.toFixed(n < 10 ? 2 : 0) : String(n));
  // Redis's CPU per contract, read only when the queue is in Redis.
  const redis = r.cpuMsPerContract?.redis;
  return [
    `| measure | result | target | ratio |`,
    `| --- | --- | --- | --- |`,
    `| p50, completed → invoiced and provisioned | ${f(r.latencyMs.p50)} ms | < ${r.targets.p50Ms} ms | ${f(r.ratios.p50OfTarget)} |`,
    `| p99 | ${f(r.latencyMs.p99)} ms | < ${r.targets.p99Ms} ms | ${f(r.ratios.p99OfTarget)} |`,
    `| sustained rate | ${f(r.sustainedRate)} contracts/s | ${r.targets.rate}/s offered ${r.offeredRate}/s | ${f(r.ratios.rateOfTarget)} |`,
    ...(r.erpWebhookCalls !== null
      ? [`| ERP webhook endpoint for every event: calls received | ${r.erpWebhookCalls} | | |`]
      : []),
    ...(r.warmupContracts > 0
      ? [`| warm-up, signed and finished first, not measured | ${r.warmupContracts} contracts | | |`]
      : []),
    `| p90 / max | ${f(r.latencyMs.p90)} / ${f(r.latencyMs.max)} ms | | |`,
    `| deadlocks detected by PostgreSQL, whole run | ${r.deadlocks} | 0 | |`,
    `| invoice alone p50 / p99 | ${f(r.invoiceLatencyMs.p50)} / ${f(r.invoiceLatencyMs.p99)} ms | | |`,
    `| p50 after completed: signed / archived / activated | ${Object.entries(r.stageP50Ms)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')} ms | | |`,
    `| each time read at its transaction's | ${r.measuredTo}${r.measuredTo === 'commit' ? '' : ' (track_commit_timestamp is off)'} | | |`,
    ...(r.cpuMsPerContract
      ? [
          `| CPU per contract while signing | signbridge ${r.cpuMsPerContract.signbridge}, sandbox ${r.cpuMsPerContract.sandbox}, postgres ${r.cpuMsPerContract.postgres}, runner ${r.cpuMsPerContract.runner}${redis === undefined ? '' : `, redis ${redis}`} ms | | |`,
          `| PostgreSQL's part, by whom it served | signbridge ${r.cpuMsPerContract.postgresFor.signbridge}, sandbox ${r.cpuMsPerContract.postgresFor.sandbox}, runner ${r.cpuMsPerContract.postgresFor.runner}, other ${r.cpuMsPerContract.postgresFor.other} ms | | |`,
          `| SignBridge with its PostgreSQL${redis === undefined ? '' : ' and Redis'} work, per contract | ${Math.round((r.cpuMsPerContract.signbridge + r.cpuMsPerContract.postgresFor.signbridge + (redis ?? 0)) * 10) / 10} ms | | |`,
        ]
      : []),
  ].join('\n');
}

function start(name, script, env) {
  const log = openSync(path.join(RESULTS_DIR, `activation-${run.stamp}-${name}.log`), 'a');
  // BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=bench/results": where SignBridge spends its time (written at exit);
  // BENCH_SANDBOX_NODE_ARGS the same for the sandbox. SignBridge's worker processes take BENCH_NODE_ARGS too.
  const argsVar = name === 'sandbox' ? 'BENCH_SANDBOX_NODE_ARGS' : 'BENCH_NODE_ARGS';
  const nodeArgs = process.env[argsVar] ? process.env[argsVar].split(' ') : [];
  const child = spawn(process.execPath, [...nodeArgs, path.join(ROOT, script)], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', log, log],
  });
  child.benchName = name;
  child.on('exit', (code, signal) => {
    if (!child.stopping) process.stderr.write(`${name} exited (${signal ?? code}); see bench/results\n`);
  });
  children.push(child);
}

async function stopAll() {
  await Promise.all(
    children.map(
      (child) =>
        new Promise((resolve) => {
          if (child.exitCode !== null) return resolve();
          child.stopping = true;
          child.once('exit', resolve);
          child.kill('SIGTERM');
          setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
        }),
    ),
  );
}

async function call(port, method, pathname, body, key = run.adminKey) {
  for (let attempt = 1; ; attempt++) {
    const response = await fetch(`http://127.0.0.1:${port}${pathname}`, {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (response.ok) return text ? JSON.parse(text) : undefined;
    if (attempt >= 3 || response.status < 500) fail(`${method} ${pathname}: ${response.status} ${text.slice(0, 300)}`);
  }
}

async function healthy(port) {
  await waitUntil(
    async () => (await fetch(`http://127.0.0.1:${port}/health`).catch(() => undefined))?.ok === true,
    60_000,
    `:${port}/health`,
  );
}

async function waitUntil(check, timeoutMs, what, everyMs = 100) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) fail(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

/**
 * One connection for every check: a new one per poll costs PostgreSQL a backend start and exit each time, which
 * on this kind of VM is milliseconds of CPU that would land in the measurement.
 */
let checker;
async function query(sql, params = []) {
  if (!checker) {
    checker = new pg.Client({ connectionString: run.databaseUrl, application_name: 'bench-runner' });
    await checker.connect();
  }
  return (await checker.query(sql, params)).rows;
}

/** Deadlocks PostgreSQL detected in the run's database (SignBridge's and the sandbox's), as its backends reported. */
async function deadlocks() {
  const [row] = await query(`SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()`);
  return Number(row.deadlocks);
}

async function count(sql, params = []) {
  return Number((await query(sql, params))[0].count);
}

function fail(message) {
  process.stderr.write(`bench:activation: ${message}\n`);
  throw new Error(message);
}

exitWhenSettled(main(), stopAll);
