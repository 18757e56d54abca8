// Chaos check, not a benchmark (README, "Chaos check"): contracts are sent and signed through the sandbox platform
// while SignBridge (and, if asked, Redis, PostgreSQL or the platform) is killed and restarted again and again, and the
// provisioning targets and an ERP webhook endpoint fail some calls; then every effect must have happened exactly once.
//
//   npm run chaos                                  # build, then 200 contracts at 20/s, a kill every 0.3–1.2 s
//   CHAOS_CONTRACTS=500 CHAOS_RATE=40 node bench/chaos/run.mjs
//
// Env:
//   CHAOS_CONTRACTS (default 200), CHAOS_RATE (contracts signed per second, default 20)
//   CHAOS_KILL: what is killed, comma-separated (default signbridge):
//     signbridge  the API and workers, one process (api only with CHAOS_WORKERS), SIGKILLed
//     worker      one of the CHAOS_WORKERS worker processes, at random
//     redis       a Redis of the run's own for the BullMQ queue, keeping nothing on disk: a kill loses every job
//     postgres    the machine's PostgreSQL, `pg_ctlcluster … stop -m immediate` then start: only on a development
//                 machine where nothing else uses that server (the sandbox then gets an embedded PostgreSQL)
//     sandbox     the signature platform
//   CHAOS_KILL_MS: min,max between kills (default 300,1200)
//   CHAOS_QUEUE: in-process | redis (default in-process, where a kill loses every queued job)
//   CHAOS_WORKERS: n worker processes beside an api-only SignBridge, on Redis (the production layout; default 0)
//   CHAOS_TARGET_FAILURES: the share of calls the provisioning targets and the ERP answer with 503 (default 0.2)
//   CHAOS_ERP_MAX_PER_SECOND: the ERP endpoint's maxPerSecond (default none); the check then also counts its calls
//                 in every second
//   CHAOS_PLATFORM_FAULTS: the sandbox's SANDBOX_FAULTS (e.g. duplicate,shuffle=300,drop-first)
//   CHAOS_KEEP_DATABASE: 1 leaves the run's database in place, to look into a failure
//   CHAOS_DATABASE_URL: the server the run's database is made on (and dropped from); CHAOS_REDIS_URL
//
// Checked at the end (`verify`), against the database, a real SMTP server and the targets: every customer, contract
// and envelope made once; every contract active with one ContractActivated and one first invoice, numbered without
// gaps and mailed (a mail sent twice across a kill is counted, not failed: SMTP cannot do better); one provisioning
// run per (contract, action), succeeded, its key seen by the target; one inbound row per webhook; every event audited
// and delivered to the ERP once; the audit log and the invoice chain verifying. Exit 1 names what broke.
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, openSync, readdirSync } from 'node:fs';
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
import { SMTPServer } from 'smtp-server';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const RESULTS_DIR = path.join(ROOT, 'bench/results');
const CONTRACTS = Number(process.env.CHAOS_CONTRACTS ?? 200);
const RATE = Number(process.env.CHAOS_RATE ?? 20);
const [KILL_MIN, KILL_MAX] = (process.env.CHAOS_KILL_MS ?? '300,1200').split(',').map(Number);
/** What is killed (see the header). */
const TARGETS = (process.env.CHAOS_KILL ?? 'signbridge').split(',');
/** Worker processes beside an api-only SignBridge (the production layout, on BullMQ); 0: one process does both. */
const WORKERS = Number(process.env.CHAOS_WORKERS ?? 0);
const QUEUE = TARGETS.includes('redis') || WORKERS > 0 ? 'redis' : (process.env.CHAOS_QUEUE ?? 'in-process');
const OWN_REDIS_PORT = 4313;
const TARGET_FAILURES = Number(process.env.CHAOS_TARGET_FAILURES ?? 0.2);
const ERP_MAX_PER_SECOND = process.env.CHAOS_ERP_MAX_PER_SECOND ? Number(process.env.CHAOS_ERP_MAX_PER_SECOND) : null;
/** With postgres killed, the sandbox platform keeps its data in an embedded PostgreSQL of its own, on this port. */
const SANDBOX_PG_PORT = 4314;
const KILLS_POSTGRES = TARGETS.includes('postgres');
const SERVER_URL = process.env.CHAOS_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = TARGETS.includes('redis')
  ? `redis://127.0.0.1:${OWN_REDIS_PORT}`
  : (process.env.CHAOS_REDIS_URL ?? 'redis://127.0.0.1:6379');
const SIGNBRIDGE_PORT = 4311;
const SANDBOX_PORT = 4312;
const run = runIdentity({ keyLabel: 'chaos', databasePrefix: 'signbridge_chaos', serverUrl: SERVER_URL });
/** The run's BullMQ key prefix. */
const queuePrefix = `chaos-${run.stamp}`;

const children = new Map();
let checker;

async function main() {
  if (!Number.isInteger(CONTRACTS) || CONTRACTS < 1) fail('CHAOS_CONTRACTS must be a whole number >= 1');
  if (!(RATE > 0)) fail('CHAOS_RATE must be > 0');
  if (!(KILL_MIN > 0 && KILL_MAX >= KILL_MIN)) fail('CHAOS_KILL_MS must be min,max in ms');
  if (!(TARGET_FAILURES >= 0 && TARGET_FAILURES < 1)) fail('CHAOS_TARGET_FAILURES must be from 0 to below 1');
  if (ERP_MAX_PER_SECOND !== null && !(Number.isInteger(ERP_MAX_PER_SECOND) && ERP_MAX_PER_SECOND >= 1))
    fail('CHAOS_ERP_MAX_PER_SECOND must be a whole number >= 1');
  if (!Number.isInteger(WORKERS) || WORKERS < 0) fail('CHAOS_WORKERS must be a whole number >= 0');
  if (!TARGETS.every((t) => ['signbridge', 'worker', 'redis', 'postgres', 'sandbox'].includes(t)))
    fail('CHAOS_KILL must list some of signbridge, worker, redis, postgres and sandbox');
  if (TARGETS.includes('worker') && WORKERS === 0) fail('CHAOS_KILL=worker needs CHAOS_WORKERS > 0');
  mkdirSync(RESULTS_DIR, { recursive: true });
  await run.createDatabase();
  const smtp = await startSmtp();
  const target = await startTarget();
  try {
    const restart = await startParties(smtp, target);
    // The ERP subscribes to every event; its endpoint fails as often as the other targets.
    await call(SIGNBRIDGE_PORT, 'POST', '/api/v1/webhook-endpoints', {
      url: `${target.url}/erp`,
      eventTypes: ['*'],
      ...(ERP_MAX_PER_SECOND === null ? {} : { maxPerSecond: ERP_MAX_PER_SECOND }),
    });

    const chaos = killAtRandom(restart);
    process.stdout.write(`sending ${CONTRACTS} contracts while killing ${TARGETS.join(', ')}...\n`);
    // Signed as soon as sent: an envelope's `sent` and `delivered` webhooks may still be on their way (or lost).
    const contracts = await sendAll(await samplePdf('Chaos agreement'));
    const killsWhileSending = { ...chaos.kills };
    process.stdout.write(`${JSON.stringify(chaos.kills)} kills; signing them at ${RATE}/s, still killing...\n`);
    await signAtRate(contracts);
    // Keep killing for a while after the last signature: the work in flight is what a kill can break.
    await sleep(5000);
    await chaos.stop();
    const lastKillAt = Date.now();
    process.stdout.write(`${JSON.stringify(chaos.kills)} kills in all; waiting for everything to settle...\n`);
    const finished = await waitFor(settled, 300_000);
    const report = {
      contracts: CONTRACTS,
      rate: RATE,
      queue: QUEUE,
      workerProcesses: WORKERS,
      platformFaults: process.env.CHAOS_PLATFORM_FAULTS ?? 'none',
      targetFailures: TARGET_FAILURES,
      kills: { whileSending: killsWhileSending, inAll: chaos.kills },
      finishedInTime: finished,
      secondsAfterTheLastKill: Math.round((Date.now() - lastKillAt) / 1000),
      ...(await verify(smtp, target)),
    };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    if (!report.ok) fail(`invariants broken: ${report.problems.join('; ')}`);
    process.stdout.write('chaos: every invariant held\n');
  } finally {
    await checker?.end().catch(() => undefined);
    await stopAll();
    target.close();
    await smtp.close();
    await run.dropDatabase({ keep: process.env.CHAOS_KEEP_DATABASE === '1' });
    // A Redis of the run's own (CHAOS_KILL=redis) ends with the run; the machine's keeps what it is not told to drop.
    if (QUEUE === 'redis' && !TARGETS.includes('redis')) {
      await deleteQueueKeys(REDIS_URL, queuePrefix).catch((error) =>
        process.stderr.write(`could not delete the run's queue keys (${queuePrefix}:*): ${error}\n`),
      );
    }
  }
}

/**
 * The sandbox platform, SignBridge (API and workers in one process) and, when it is to be killed, a Redis of the run's
 * own; once each answers, how to start each again.
 */
async function startParties(smtp, target) {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'signbridge-chaos-'));
  // An embedded PostgreSQL runs as the `postgres` user (when we are root), which must reach its folder in here.
  chmodSync(dataDir, 0o755);
  const sandbox = () =>
    start('sandbox', 'dist/apps/sandbox/src/main.js', {
      SANDBOX_PORT: String(SANDBOX_PORT),
      // The platform is another company's: when the machine's PostgreSQL is killed, it must not go down with it.
      ...(KILLS_POSTGRES
        ? { SANDBOX_EMBEDDED_PG_PORT: String(SANDBOX_PG_PORT) }
        : { SANDBOX_DATABASE_URL: run.databaseUrl }),
      SANDBOX_DB_SCHEMA: 'sandbox',
      SANDBOX_API_KEY: run.sandboxKey,
      SANDBOX_WEBHOOK_SECRET: run.webhookSecret,
      // A killed SignBridge refuses connections: the platform retries soon, as real ones do (later).
      SANDBOX_WEBHOOK_RETRY_SCHEDULE: '1s,2s,3s,5s,5s,5s,10s,10s,10s,10s,30s,30s',
      ...(process.env.CHAOS_PLATFORM_FAULTS ? { SANDBOX_FAULTS: process.env.CHAOS_PLATFORM_FAULTS } : {}),
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
    SMTP_URL: smtp.url,
    PROVISIONING_ACCESS_CREDENTIALS_URL: target.url,
    PROVISIONING_WAREHOUSE_ORDER_URL: target.url,
    PROVISIONING_SECRET: 'chaos-provisioning-secret-0123456789',
    PROVISIONING_BACKOFF_MS: '500',
    PROVISIONING_MAX_BACKOFF_MS: '5000',
    ERP_WEBHOOK_RETRY_SCHEDULE: '1s,2s,3s,5s,5s,10s,10s,10s,30s',
    ERP_WEBHOOK_CIRCUIT_COOLDOWN: '2s',
    // What a crash leaves behind is found sooner than in production, so the run ends in a minute, not ten.
    SWEEP_INTERVAL_MS: '1000',
    SWEEP_GRACE_MS: '3000',
    SUBSCRIBER_RETRY_AFTER_MS: '10000',
    JOB_LOCK_MS: '5000',
    // A webhook the platform gave up on (SignBridge was down at every retry) is found by asking the platform.
    RECONCILE_AFTER: '5s',
    RECONCILE_MAX_INTERVAL: '10s',
    IDEMPOTENCY_LOCK_SECONDS: '3',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
  };
  const signbridge = () =>
    start('signbridge', 'dist/apps/api/src/main.js', {
      ...signbridgeEnv,
      ...(WORKERS > 0 ? { SIGNBRIDGE_ROLES: 'api' } : {}),
    });
  const worker = (n) =>
    start(`worker-${n}`, 'dist/apps/worker/src/main.js', { ...signbridgeEnv, MIGRATIONS_RUN: 'false' });
  const restart = {
    sandbox: async () => {
      sandbox();
      await healthy(SANDBOX_PORT);
    },
    signbridge: async () => {
      signbridge();
      await healthy(SIGNBRIDGE_PORT);
    },
    redis: async () => startRedis(),
    /** A worker that was killed: the one `kill('worker')` chose. */
    worker: async (name) => worker(Number(name.slice('worker-'.length))),
  };
  if (TARGETS.includes('redis')) await restart.redis();
  await restart.sandbox();
  await restart.signbridge();
  for (let n = 0; n < WORKERS; n++) worker(n);
  return restart;
}

/** Kills one of TARGETS at random every KILL_MIN to KILL_MAX ms and starts it again, until `stop()`. */
function killAtRandom(restart) {
  let killing = true;
  const kills = { signbridge: 0, worker: 0, redis: 0, postgres: 0, sandbox: 0 };
  const loop = (async () => {
    while (killing) {
      await sleep(KILL_MIN + Math.random() * (KILL_MAX - KILL_MIN));
      if (!killing) break;
      const victim = TARGETS[Math.floor(Math.random() * TARGETS.length)];
      // The machine's PostgreSQL, every database on it, stops as in a power cut (no checkpoint); started again, it
      // recovers from its WAL. The others are SIGKILLed.
      const name = victim === 'worker' ? `worker-${Math.floor(Math.random() * WORKERS)}` : victim;
      if (victim === 'postgres') await pgCluster('stop', '-m', 'immediate');
      else await kill(name);
      kills[victim] += 1;
      await sleep(200 + Math.random() * 800);
      if (victim === 'postgres') await pgCluster('start');
      else await restart[victim](name);
    }
  })();
  return {
    kills,
    stop: async () => {
      killing = false;
      await loop;
    },
  };
}

/** Whether every contract is invoiced, mailed and provisioned, every event audited, and the ERP told or given up on. */
async function settled() {
  const finished = await count(
    `SELECT count(*) FROM contracts c
      WHERE EXISTS (SELECT 1 FROM invoices i WHERE i.contract_id = c.id AND i.kind = 'invoice' AND i.status = 'sent')
        AND (SELECT count(*) FILTER (WHERE p.status = 'succeeded') FROM provisioning_orders p WHERE p.contract_id = c.id) = 2`,
  );
  if (finished !== CONTRACTS) return false;
  if ((await count(`SELECT count(*) FROM outbox WHERE audited_at IS NULL`)) > 0) return false;
  return (await count(`SELECT count(*) FROM webhook_deliveries WHERE status NOT IN ('delivered', 'dead')`)) === 0;
}

async function verify(smtp, target) {
  const problems = [];
  const expect = (ok, what) => ok || problems.push(what);
  const contracts = await query(`SELECT status, count(*)::int AS n FROM contracts GROUP BY status`);
  expect(contracts.length === 1 && contracts[0].status === 'active', `contract statuses ${JSON.stringify(contracts)}`);
  const customers = await count(`SELECT count(*) FROM customers WHERE status <> 'active'`);
  expect(customers === 0, `${customers} customers not active`);
  const [made] = await query(
    `SELECT (SELECT count(*) FROM customers)::int AS customers, (SELECT count(*) FROM contracts)::int AS contracts`,
  );
  made.envelopes = Number((await platformQuery(`SELECT count(*) FROM sandbox.envelopes`))[0].count);
  expect(
    made.customers === CONTRACTS && made.contracts === CONTRACTS && made.envelopes === CONTRACTS,
    `made ${JSON.stringify(made)} for ${CONTRACTS} requests each`,
  );
  const [invoices] = await query(
    `SELECT count(*)::int AS n, count(DISTINCT contract_id)::int AS contracts, count(DISTINCT full_number)::int AS numbers,
            min(number)::int AS first, max(number)::int AS last, count(*) FILTER (WHERE status <> 'sent')::int AS unsent
       FROM invoices WHERE kind = 'invoice'`,
  );
  expect(
    invoices.n === CONTRACTS && invoices.contracts === CONTRACTS,
    `${invoices.n} first invoices for ${invoices.contracts} contracts`,
  );
  expect(
    invoices.numbers === invoices.n && invoices.first === 1 && invoices.last === invoices.n,
    `numbering ${JSON.stringify(invoices)}`,
  );
  expect(invoices.unsent === 0, `${invoices.unsent} invoices not sent`);
  const numbers = new Map();
  for (const subject of smtp.subjects) {
    const number = /F\d{4}-\d{6}/.exec(subject)?.[0] ?? subject;
    numbers.set(number, (numbers.get(number) ?? 0) + 1);
  }
  expect(numbers.size === CONTRACTS, `the SMTP server received mails for ${numbers.size} invoices`);
  const mailRepeats = [...numbers.values()].filter((n) => n > 1).length;
  const [runs] = await query(
    `SELECT count(*)::int AS n, count(DISTINCT (contract_id, action))::int AS pairs,
            count(*) FILTER (WHERE status <> 'succeeded')::int AS unfinished FROM provisioning_orders`,
  );
  expect(
    runs.n === 2 * CONTRACTS && runs.pairs === runs.n && runs.unfinished === 0,
    `provisioning ${JSON.stringify(runs)}`,
  );
  expect(target.keys.size === 2 * CONTRACTS, `the target saw ${target.keys.size} idempotency keys`);
  const [inbound] = await query(
    `SELECT count(*)::int AS n, count(DISTINCT (provider, provider_event_id))::int AS ids FROM inbound_events`,
  );
  expect(inbound.n === inbound.ids, `inbound ${JSON.stringify(inbound)}`);
  // The platform's side, reported: a webhook it gave up on (SignBridge down at every retry) is a lost webhook, which
  // the reconciler makes up for by asking the platform; one still pending is on its way.
  const platform = Object.fromEntries(
    (await platformQuery(`SELECT status, count(*)::int AS n FROM sandbox.webhook_messages GROUP BY status`)).map(
      (r) => [r.status, r.n],
    ),
  );

  const unaudited = await query(
    `SELECT type, count(*)::int AS n, min(created_at) AS oldest FROM outbox WHERE audited_at IS NULL GROUP BY type`,
  );
  expect(unaudited.length === 0, `events not audited: ${JSON.stringify(unaudited)}`);
  const activated = await query(
    `SELECT aggregate_id, count(*)::int AS n FROM outbox WHERE type = 'ContractActivated' GROUP BY 1 HAVING count(*) <> 1`,
  );
  expect(activated.length === 0, `${activated.length} contracts with other than one ContractActivated`);
  const audit = await call(SIGNBRIDGE_PORT, 'GET', '/api/v1/audit-log/verify');
  expect(audit.valid === true, `audit log: ${JSON.stringify(audit)}`);
  const chain = await call(SIGNBRIDGE_PORT, 'GET', '/api/v1/invoices/verify');
  expect(chain.valid === true, `invoice chain: ${JSON.stringify(chain)}`);
  const [erp] = await query(
    `SELECT (SELECT count(*) FROM outbox)::int AS events, count(*)::int AS deliveries,
            count(DISTINCT event_id)::int AS delivered_events, count(*) FILTER (WHERE status <> 'delivered')::int AS undelivered
       FROM webhook_deliveries`,
  );
  expect(
    erp.deliveries === erp.events && erp.delivered_events === erp.events && erp.undelivered === 0,
    `ERP webhooks ${JSON.stringify(erp)}`,
  );
  expect(target.erpEvents.size === erp.events, `the ERP was told of ${target.erpEvents.size} of ${erp.events} events`);
  // Calls start at least 1/limit s apart; a call arrives a few milliseconds after its start, which varies by one.
  const erpPeakPerSecond = mostWithinASecond(target.erpCallTimes);
  if (ERP_MAX_PER_SECOND !== null) {
    expect(
      erpPeakPerSecond <= ERP_MAX_PER_SECOND + 1,
      `the ERP got ${erpPeakPerSecond} calls within one second, limited to ${ERP_MAX_PER_SECOND}`,
    );
  }
  const reconciled = await count(`SELECT count(*) FROM contract_timeline WHERE kind = 'reconciled'`);
  return {
    ok: problems.length === 0,
    problems,
    invoices,
    mailsReceived: smtp.subjects.length,
    invoicesMailedTwice: mailRepeats,
    provisioningCalls: target.calls,
    provisioningKeys: target.keys.size,
    inboundEvents: inbound.n,
    platformWebhooks: platform,
    erpWebhooks: {
      events: erp.events,
      toldOf: target.erpEvents.size,
      calls: target.erpCallTimes.length,
      mostCallsWithinASecond: erpPeakPerSecond,
      maxPerSecond: ERP_MAX_PER_SECOND,
    },
    timelineEntriesFromTheReconciler: reconciled,
  };
}

/** A real SMTP server: what it received, by subject. */
async function startSmtp() {
  const subjects = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, _session, callback) {
      let head = '';
      stream.on('data', (chunk) => {
        if (head.length < 8192) head += chunk.toString('latin1');
      });
      stream.on('end', () => {
        subjects.push(/^Subject: (.*)$/im.exec(head)?.[1] ?? '(none)');
        callback();
      });
    },
  });
  // A client killed mid-message resets its connection: expected here, not a failure of the check.
  server.on('error', () => undefined);
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `smtp://127.0.0.1:${server.server.address().port}`,
    subjects,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

/** The most of these times (ms) that fall within one second of each other. */
function mostWithinASecond(times) {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  for (let first = 0, last = 0; last < sorted.length; last++) {
    while (sorted[last] - sorted[first] >= 1000) first++;
    most = Math.max(most, last - first + 1);
  }
  return most;
}

/**
 * The company's service platform, warehouse and ERP in one server: each call fails with 503 at the rate
 * CHAOS_TARGET_FAILURES (then SignBridge retries it); it counts the provisioning runs' Idempotency-Keys and the
 * events the ERP was told of.
 */
async function startTarget() {
  const keys = new Set();
  const erpEvents = new Set();
  const erpCallTimes = [];
  let calls = 0;
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      if (req.url === '/erp') erpCallTimes.push(performance.now());
      if (Math.random() < TARGET_FAILURES) {
        res.writeHead(503).end();
        return;
      }
      if (req.url === '/erp') {
        erpEvents.add(JSON.parse(body).id);
        res.writeHead(204).end();
        return;
      }
      calls += 1;
      keys.add(req.headers['idempotency-key']);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ accountId: `acct_${calls}`, orderNumber: `WO-${calls}` }));
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    keys,
    erpEvents,
    erpCallTimes,
    get calls() {
      return calls;
    },
    close: () => server.close(),
  };
}

/** A request cut by a kill is sent again with the same Idempotency-Key, as a careful ERP connector would. */
function sendAll(pdf) {
  const post = (pathname, body, key) =>
    call(SIGNBRIDGE_PORT, 'POST', pathname, body, run.adminKey, { idempotencyKey: key });
  return sendContracts(post, { label: 'chaos', stamp: run.stamp, pdf, total: CONTRACTS, concurrency: 8 });
}

/** One signature every 1/RATE s, through the platform (which keeps retrying its webhooks while SignBridge is down). */
function signAtRate(contracts) {
  return atRate(contracts, RATE, (contract) =>
    call(SANDBOX_PORT, 'POST', `/v1/envelopes/${contract.envelopeId}/simulate`, { action: 'sign' }, run.sandboxKey, {
      // A signature the platform made before a kill cut its answer: the retry finds the envelope completed.
      done: (text) => text.includes('ENVELOPE.NOT_SENT'),
    }),
  );
}

/** `pg_ctlcluster` on the machine's one PostgreSQL cluster (Debian's layout, as on the development machines). */
async function pgCluster(action, ...options) {
  const version = readdirSync('/etc/postgresql')[0];
  await new Promise((resolve, reject) => {
    const child = spawn('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', action, ...options], {
      stdio: 'ignore',
    });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`pg_ctlcluster ${action}: exit ${code}`))));
  });
}

/** A Redis of the run's own, keeping nothing on disk: killed, it comes back empty. */
function startRedis() {
  const log = openSync(path.join(RESULTS_DIR, `chaos-${run.stamp}-redis.log`), 'a');
  const args = ['--bind', '127.0.0.1', '--port', String(OWN_REDIS_PORT), '--save', '', '--appendonly', 'no'];
  children.set('redis', spawn('redis-server', args, { stdio: ['ignore', log, log] }));
}

function start(name, script, env) {
  const log = openSync(path.join(RESULTS_DIR, `chaos-${run.stamp}-${name}.log`), 'a');
  const child = spawn(process.execPath, [path.join(ROOT, script)], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', log, log],
  });
  children.set(name, child);
}

async function kill(name) {
  const child = children.get(name);
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

async function stopAll() {
  await Promise.all(
    [...children.values()].map(
      (child) =>
        new Promise((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', resolve);
          child.kill('SIGTERM');
          setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
        }),
    ),
  );
}

/**
 * An API call that rides out SignBridge or the platform being down (connection refused, 5xx) for up to a minute.
 * `idempotencyKey` goes with every try; `done(text)` says a refusal means the call already took effect.
 */
async function call(port, method, pathname, body, key = run.adminKey, { idempotencyKey, done } = {}) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      const response = await fetch(`http://127.0.0.1:${port}${pathname}`, {
        method,
        headers: {
          authorization: `Bearer ${key}`,
          'content-type': 'application/json',
          ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      if (response.ok) return text ? JSON.parse(text) : undefined;
      if (done?.(text)) return undefined;
      // 409 IDEMPOTENCY.IN_PROGRESS: the first try of this key is still held (its process was killed; the lease runs out).
      if (response.status < 500 && !(response.status === 409 && text.includes('IN_PROGRESS')))
        fail(`${method} ${pathname}: ${response.status} ${text.slice(0, 300)}`);
    } catch (error) {
      if (error.message?.startsWith('chaos:')) throw error;
    }
    if (Date.now() > deadline) fail(`${method} ${pathname}: no answer for a minute`);
    await sleep(200);
  }
}

async function healthy(port) {
  if (
    !(await waitFor(
      async () => (await fetch(`http://127.0.0.1:${port}/health`).catch(() => undefined))?.ok === true,
      60_000,
    ))
  )
    fail(`:${port}/health did not answer`);
}

async function waitFor(check, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) return false;
    await sleep(500);
  }
  return true;
}

/** One connection for the checks; after an error (PostgreSQL was killed under it) the next check opens another. */
async function query(sql, params = []) {
  try {
    if (!checker) {
      checker = new pg.Client({ connectionString: run.databaseUrl });
      checker.on('error', () => undefined);
      await checker.connect();
    }
    return (await checker.query(sql, params)).rows;
  } catch (error) {
    const broken = checker;
    checker = undefined;
    await broken?.end().catch(() => undefined);
    throw error;
  }
}

/** The sandbox platform's tables: in the run's database, or in its own embedded PostgreSQL when postgres is killed. */
async function platformQuery(sql) {
  if (!KILLS_POSTGRES) return query(sql);
  const client = new pg.Client({
    connectionString: `postgres://postgres:postgres@127.0.0.1:${SANDBOX_PG_PORT}/sandbox`,
  });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

async function count(sql, params = []) {
  return Number((await query(sql, params))[0].count);
}

function fail(message) {
  throw new Error(`chaos: ${message}`);
}

exitWhenSettled(main(), stopAll);
