// Ingest benchmark: SignBridge's webhook ingress against a hand-written floor (baseline-server.mjs), same machine,
// same database, same run. Every request is a distinct, freshly signed Standard Webhooks delivery, so neither target
// can answer from a duplicate check, and every 2xx must be backed by a stored row.
//
//   npm run bench:ingest                          # build, then both targets
//   node bench/ingest/run.mjs --only baseline     # the floor alone (no build, no Redis needed)
//
// Env: BENCH_DURATION (seconds per measured run, default 15, minimum 10), BENCH_DATABASE_URL, BENCH_REDIS_URL.
import autocannon from 'autocannon';
import { execFileSync, spawn } from 'node:child_process';
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { connect } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const RESULTS_DIR = path.join(ROOT, 'bench/results');
const SIGNBRIDGE_ENTRY = path.join(ROOT, 'dist/apps/api/src/main.js');
// SignBridge migrates at boot unless MIGRATIONS_RUN=false; running its migration CLI first (when built) also covers a
// fresh bench database under that setting, and a failing migration then shows up as such rather than as a dead app.
const SIGNBRIDGE_MIGRATE = path.join(ROOT, 'dist/libs/common/src/database/migrate.cli.js');

const CONNECTIONS = 64;
const WARMUP_SECONDS = 3;
const DURATION_SECONDS = readDuration();
const INGRESS_PATH = '/webhooks/sandbox';
const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/signbridge_bench';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const RSS_SAMPLE_MS = 250;
const CLK_TCK = readClockTicks();

const { values: args } = parseArgs({ options: { only: { type: 'string' } } });
if (args.only && !['baseline', 'signbridge'].includes(args.only)) fail(`--only must be baseline or signbridge`);

// One secret for both targets, fresh per run: nothing from a previous run can authenticate.
const SECRET = `whsec_${randomBytes(32).toString('base64')}`;
const KEY = Buffer.from(SECRET.slice('whsec_'.length), 'base64');
const STAMP = new Date().toISOString().replace(/[:.]/g, '-');
const QUEUE_PREFIX = `bench-${randomBytes(6).toString('hex')}`;

const TARGETS = {
  baseline: {
    name: 'baseline',
    port: 4101,
    table: 'baseline_inbound_events',
    args: [path.join(ROOT, 'bench/ingest/baseline-server.mjs')],
    env: { PORT: '4101', HOST: '127.0.0.1', DATABASE_URL, WEBHOOK_SECRET: SECRET },
    readyDeadlineMs: 15_000,
  },
  signbridge: {
    name: 'signbridge',
    port: 4102,
    table: 'inbound_events',
    args: [SIGNBRIDGE_ENTRY],
    env: {
      PORT: '4102',
      HOST: '127.0.0.1', // SignBridge's default too; explicit so nothing can make it listen beyond loopback
      DATABASE_URL,
      REDIS_URL,
      QUEUE_PREFIX,
      SIGNBRIDGE_ROLES: 'api',
      SANDBOX_WEBHOOK_SECRETS: SECRET,
      LOG_LEVEL: 'warn',
      SIGNBRIDGE_ADMIN_API_KEY: `sb_bench_${randomBytes(16).toString('hex')}`,
    },
    readyDeadlineMs: 60_000,
  },
};

const selected = args.only ? [TARGETS[args.only]] : [TARGETS.baseline, TARGETS.signbridge];
// A B B A: each target gets an early and a late slot, so drift (page cache, autovacuum, table growth, thermal) hits
// both about equally. With one target, it simply runs twice.
const schedule =
  selected.length === 2 ? [selected[0], selected[1], selected[1], selected[0]] : [selected[0], selected[0]];

// Hard ceiling on the whole run, so a hung child or database never leaves the bench (and its children) running.
const budgetSeconds = 60 + 15 + 120 + 60 + schedule.length * (WARMUP_SECONDS + DURATION_SECONDS + 30);
const watchdog = setTimeout(() => {
  console.error(`\nFAIL: bench exceeded its ${budgetSeconds}s budget`);
  void cleanupAndExit(1);
}, budgetSeconds * 1000);

const children = new Map(); // name -> { child, pid, logPath, exited }
let db;

process.on('SIGINT', () => {
  console.error('\ninterrupted');
  void cleanupAndExit(130);
});
process.on('SIGTERM', () => void cleanupAndExit(143));
// Last resort if we exit through a path that skipped cleanup: never leave a server behind.
process.on('exit', () => {
  for (const c of children.values()) if (!c.exited) c.child.kill('SIGKILL');
});

async function main() {
  mkdirSync(RESULTS_DIR, { recursive: true });
  assertLoopback('BENCH_DATABASE_URL', DATABASE_URL);
  if (selected.includes(TARGETS.signbridge)) {
    assertLoopback('BENCH_REDIS_URL', REDIS_URL);
    if (!existsSync(SIGNBRIDGE_ENTRY)) {
      throw new Error(
        `${path.relative(ROOT, SIGNBRIDGE_ENTRY)} not found: run \`npm run build\` (or use --only baseline)`,
      );
    }
    await assertReachable(REDIS_URL, 6379, 'Redis');
  }

  await ensureDatabase(DATABASE_URL);
  db = new pg.Client({ connectionString: DATABASE_URL, statement_timeout: 60_000 });
  await db.connect();
  const machine = await describeMachine();
  // Measured before any child starts: the bench's own processes are not running yet.
  machine.backgroundLoadCores = await measureBackgroundLoad();
  if (machine.backgroundLoadCores > 0.25) {
    console.warn(
      `warning: the machine is already busy (${fmt(machine.backgroundLoadCores, 2)} of ${machine.nproc} cores in use ` +
        `before the bench starts); the numbers will be noisy, see the "other" CPU column`,
    );
  }
  console.log(
    `ingest bench: ${schedule.map((t) => t.name).join(' → ')}, ${CONNECTIONS} connections, ` +
      `${WARMUP_SECONDS}s warm-up + ${DURATION_SECONDS}s per run, ${machine.nproc} cores`,
  );

  for (const target of selected) {
    if (target === TARGETS.signbridge && existsSync(SIGNBRIDGE_MIGRATE)) await runMigrations(target);
    await startTarget(target);
    await assertTableExists(target);
    // Rows are kept between bench runs; a much bigger table (and index) on one side is worth knowing about.
    machine.rowsAtStart = { ...machine.rowsAtStart, [target.table]: await countRows(target.table) };
  }

  const runs = [];
  let failure = null;
  for (const [index, target] of schedule.entries()) {
    const label = `run ${index + 1}/${schedule.length} ${target.name}`;
    try {
      runs.push(await measure(target, label));
    } catch (err) {
      if (err.run) runs.push(err.run);
      failure = `${label}: ${err.message}`;
      break; // a target that rejects or loses deliveries makes every later number meaningless
    }
  }

  await stopChildren();
  await cleanupRedis();
  const report = buildReport(machine, runs, failure);
  const base = path.join(RESULTS_DIR, `ingest-${STAMP}`);
  writeFileSync(`${base}.md`, report.markdown);
  writeFileSync(`${base}.json`, JSON.stringify(report.json, null, 2) + '\n');
  console.log(`\n${report.markdown}`);
  console.log(
    `written: ${path.relative(ROOT, base)}.md / .json, logs: ${path.relative(ROOT, RESULTS_DIR)}/${STAMP}-*.log`,
  );

  if (failure) {
    console.error(`\n${'!'.repeat(72)}\nFAIL: ${failure}\n${'!'.repeat(72)}`);
    await cleanupAndExit(1);
  }
  await cleanupAndExit(0);
}

// ---------------------------------------------------------------------------------------------------------------------
// Load: one fresh, correctly signed delivery per request

const FIRST_NAMES = ['Ada', 'Grace', 'Linus', 'Margaret', 'Ken', 'Barbara', 'Dennis', 'Frances'];
const LAST_NAMES = ['Lovelace', 'Hopper', 'Torvalds', 'Hamilton', 'Thompson', 'Liskov', 'Ritchie', 'Allen'];
const AUTH_METHODS = ['email_otp', 'sms_otp', 'id_document'];
const LEVELS = ['simple', 'advanced', 'qualified'];
const USER_AGENT = 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Firefox/133.0';

let sequence = 0;

/**
 * Deterministic mix (1 in 4 `envelope.opened`, the rest `signer.signed`, 110-340 bytes) so every run sends the same
 * shape of load.
 */
function makeBody(n) {
  const envelopeId = `env_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
  const timestamp = new Date().toISOString();
  if (n % 4 === 0) return JSON.stringify({ type: 'envelope.opened', timestamp, data: { envelope_id: envelopeId } });
  const first = FIRST_NAMES[n % FIRST_NAMES.length];
  const last = LAST_NAMES[(n >> 3) % LAST_NAMES.length];
  return JSON.stringify({
    type: 'signer.signed',
    timestamp,
    data: {
      envelope_id: envelopeId,
      signer: {
        email: `${first}.${last}@example.com`.toLowerCase(),
        name: `${first} ${last}`,
        ip: `203.0.113.${n % 254}`,
        user_agent: USER_AGENT,
        auth_method: AUTH_METHODS[n % AUTH_METHODS.length],
        signature_level: LEVELS[n % LEVELS.length],
      },
    },
  });
}

/** Called by autocannon before every request: new webhook-id, current timestamp, signature over the exact bytes. */
function signedRequest(req) {
  const body = makeBody(sequence++);
  const id = `msg_${randomUUID().replaceAll('-', '')}`;
  const timestamp = String(Math.floor(Date.now() / 1000));
  const signature = createHmac('sha256', KEY).update(`${id}.${timestamp}.${body}`).digest('base64');
  req.method = 'POST';
  req.path = INGRESS_PATH;
  // A new headers object each time: autocannon writes Content-Length into it.
  req.headers = {
    'content-type': 'application/json',
    'webhook-id': id,
    'webhook-timestamp': timestamp,
    'webhook-signature': `v1,${signature}`,
  };
  req.body = body;
  return req;
}

function fire(target, seconds, rejections) {
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: `http://127.0.0.1:${target.port}${INGRESS_PATH}`,
        connections: CONNECTIONS,
        duration: seconds,
        requests: [
          {
            setupRequest: signedRequest,
            // Keep a few rejected answers so a failing run says why (e.g. 401 from a secret that was not picked up).
            onResponse: (status, body) => {
              if ((status < 200 || status > 299) && rejections.length < 5)
                rejections.push(`${status} ${body}`.slice(0, 300));
            },
          },
        ],
      },
      (err, result) => (err ? reject(err) : resolve(result)),
    );
  });
}

// ---------------------------------------------------------------------------------------------------------------------
// One measured run: warm-up, row count, load with RSS/CPU sampling, row count, checks

async function measure(target, label) {
  const proc = children.get(target.name);
  process.stdout.write(`${label}:`);
  const settle = await waitForIdleTargets();
  if (settle.waitedSeconds >= 2) process.stdout.write(` waited ${fmt(settle.waitedSeconds, 0)}s for idle targets,`);
  await checkpoint();
  process.stdout.write(` warm-up ${WARMUP_SECONDS}s`);
  // Warm-up before every run, not once: between its runs a target sits idle for a whole run of the other one, and
  // pools drop idle connections (pg's default idle timeout is 10 s), which would otherwise be paid inside the window.
  const warmupRejections = [];
  const warmup = await fire(target, WARMUP_SECONDS, warmupRejections);
  checkAnswers(warmup, warmupRejections, 'warm-up');

  const rowsBefore = await countRows(target.table);
  process.stdout.write(`, measuring ${DURATION_SECONDS}s`);
  const rssSamples = [];
  const sampler = setInterval(() => {
    const rss = readProcStatus(proc.pid, 'VmRSS');
    if (rss !== null) rssSamples.push(rss);
  }, RSS_SAMPLE_MS);
  const cpuBefore = snapshotCpu(proc.pid);
  const rejections = [];
  let result;
  try {
    result = await fire(target, DURATION_SECONDS, rejections);
  } finally {
    clearInterval(sampler);
  }
  const wall = result.duration;
  const cpuCores = cpuCoresBetween(cpuBefore, snapshotCpu(proc.pid));
  const peakRssKb = readProcStatus(proc.pid, 'VmHWM');
  const rowsAfter = await countRows(target.table);

  const ok2xx = result['2xx'];
  const run = {
    target: target.name,
    label,
    durationSeconds: wall,
    requests2xx: ok2xx,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCodes: Object.fromEntries(Object.entries(result.statusCodeStats).map(([code, v]) => [code, v.count])),
    throughput: ok2xx / wall,
    latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max },
    rows: { before: rowsBefore, after: rowsAfter, added: rowsAfter - rowsBefore },
    peakRssMb: peakRssKb / 1024, // VmHWM: the process's high-water mark since it started, read after this run
    sampledRssMb: {
      max: Math.max(...rssSamples) / 1024,
      mean: rssSamples.reduce((a, b) => a + b, 0) / (rssSamples.length || 1) / 1024,
      samples: rssSamples.length,
    },
    cpuCores,
    settle,
    rejectedSamples: rejections,
    autocannon: result,
  };
  console.log(
    ` → ${fmt(run.throughput, 0)} req/s, p50 ${run.latencyMs.p50} ms, p99 ${run.latencyMs.p99} ms, ` +
      `non-2xx ${run.non2xx}, errors ${run.errors}, rows +${run.rows.added}`,
  );

  // A failing run is still reported (attached to the error), so the numbers that led to the failure are on file.
  try {
    checkAnswers(result, rejections, 'measured run');
    // The guard against a server that acks without storing: every 2xx must correspond to a committed row.
    if (run.rows.added < ok2xx) {
      throw new Error(`${ok2xx} deliveries acknowledged but only ${run.rows.added} rows added to ${target.table}`);
    }
    if (proc.exited) throw new Error(`${target.name} exited during the run (see ${proc.logPath})`);
  } catch (err) {
    err.run = run;
    throw err;
  }
  return run;
}

function checkAnswers(result, rejections, phase) {
  if (result.non2xx === 0 && result.errors === 0 && result['2xx'] > 0) return;
  const codes = Object.entries(result.statusCodeStats)
    .map(([code, v]) => `${code}×${v.count}`)
    .join(', ');
  throw new Error(
    `${phase}: ${result['2xx']} 2xx, ${result.non2xx} non-2xx, ` +
      `${result.errors} errors (${result.timeouts} timeouts); ` +
      `status codes: ${codes || 'none'}${rejections.length ? `; e.g. ${rejections[0]}` : ''}`,
  );
}

// ---------------------------------------------------------------------------------------------------------------------
// Child processes

async function startTarget(target) {
  // Something already on the port would answer /health and be benchmarked in place of our child.
  if (await isListening(target.port)) throw new Error(`port ${target.port} is already in use on 127.0.0.1`);
  const logPath = path.join(RESULTS_DIR, `${STAMP}-${target.name}.log`);
  const fd = openSync(logPath, 'a');
  const child = spawn(process.execPath, target.args, {
    cwd: ROOT,
    env: childEnv(target.env),
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd); // the child holds its own copy
  const entry = { child, pid: child.pid, logPath, exited: false, exitCode: null };
  children.set(target.name, entry);
  child.on('exit', (code, signal) => {
    entry.exited = true;
    entry.exitCode = code ?? signal;
  });

  process.stdout.write(`starting ${target.name} (pid ${child.pid}, log ${path.relative(ROOT, logPath)}) ... `);
  const deadline = Date.now() + target.readyDeadlineMs;
  while (Date.now() < deadline && !entry.exited) {
    if (await healthy(target.port)) {
      console.log('ready');
      return;
    }
    await sleep(200);
  }
  console.log('FAILED');
  const why = entry.exited
    ? `exited (${entry.exitCode})`
    : `no 200 from GET /health within ${target.readyDeadlineMs / 1000}s`;
  console.error(`--- last lines of ${path.relative(ROOT, logPath)} ---\n${tail(logPath, 40)}\n---`);
  throw new Error(`${target.name} did not become ready: ${why}`);
}

async function runMigrations(target) {
  const logPath = path.join(RESULTS_DIR, `${STAMP}-${target.name}-migrate.log`);
  process.stdout.write(`running ${path.relative(ROOT, SIGNBRIDGE_MIGRATE)} ... `);
  const fd = openSync(logPath, 'a');
  const child = spawn(process.execPath, [SIGNBRIDGE_MIGRATE], {
    cwd: ROOT,
    env: childEnv(target.env),
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  children.set(`${target.name}-migrate`, { child, pid: child.pid, logPath, exited: false });
  const code = await new Promise((resolve) => child.on('exit', (c, s) => resolve(c ?? s)));
  children.get(`${target.name}-migrate`).exited = true;
  if (code !== 0) {
    console.error(`--- last lines of ${path.relative(ROOT, logPath)} ---\n${tail(logPath, 40)}\n---`);
    throw new Error(`migrations failed (${code})`);
  }
  console.log('done');
}

async function healthy(port) {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(1000) });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}

function isListening(port) {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function stopChildren() {
  await Promise.all(
    [...children.values()].map(async (c) => {
      if (c.exited) return;
      c.child.kill('SIGTERM');
      // Give it 5 s to close pools and queues, then stop asking.
      const exited = await Promise.race([
        new Promise((resolve) => c.child.once('exit', () => resolve(true))),
        sleep(5000).then(() => false),
      ]);
      if (!exited && !c.exited) c.child.kill('SIGKILL');
    }),
  );
}

let cleaningUp = false;
async function cleanupAndExit(code) {
  if (cleaningUp) return;
  cleaningUp = true;
  clearTimeout(watchdog);
  await stopChildren().catch(() => {});
  await db?.end().catch(() => {});
  process.exit(code);
}

// ---------------------------------------------------------------------------------------------------------------------
// Database and Redis

async function ensureDatabase(url) {
  const u = new URL(url);
  const name = decodeURIComponent(u.pathname.slice(1));
  if (!name) throw new Error('BENCH_DATABASE_URL has no database name');
  u.pathname = '/postgres';
  const admin = new pg.Client({ connectionString: u.toString() });
  await admin.connect();
  try {
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rowCount === 0) {
      await admin.query(`CREATE DATABASE "${name.replaceAll('"', '""')}"`).catch((err) => {
        if (err.code !== '42P04') throw err; // created concurrently: fine
      });
      console.log(`created database ${name}`);
    }
  } finally {
    await admin.end();
  }
}

async function assertTableExists(target) {
  const { rows } = await db.query('SELECT to_regclass($1) AS t', [target.table]);
  if (!rows[0].t) {
    throw new Error(`${target.name} is up but table ${target.table} does not exist in the bench database`);
  }
}

let checkpointWarned = false;
/**
 * Flushes dirty pages before each run, so no run carries the previous one's checkpoint write burst and a timed
 * checkpoint (every checkpoint_timeout, 5 min by default) cannot start inside a window. Needs superuser or
 * pg_checkpoint; without it the runs go on, noisier.
 */
async function checkpoint() {
  try {
    await db.query('CHECKPOINT');
  } catch (err) {
    if (!checkpointWarned) console.warn(`warning: CHECKPOINT not permitted (${err.message}); runs may include one`);
    checkpointWarned = true;
  }
}

async function countRows(table) {
  const { rows } = await db.query(`SELECT count(*)::bigint AS n FROM ${table}`);
  return Number(rows[0].n);
}

/** Removes the BullMQ keys this run created under its own random prefix; never touches anything else. */
async function cleanupRedis() {
  if (!selected.includes(TARGETS.signbridge)) return;
  try {
    const Redis = createRequire(import.meta.url)('ioredis');
    const redis = new (Redis.default ?? Redis)(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await redis.connect();
    let cursor = '0';
    let removed = 0;
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${QUEUE_PREFIX}:*`, 'COUNT', 1000);
      if (keys.length) removed += await redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
    await redis.quit();
    if (removed) console.log(`removed ${removed} Redis keys under ${QUEUE_PREFIX}:`);
  } catch (err) {
    console.warn(`warning: could not clean Redis keys under ${QUEUE_PREFIX}: (${err.message})`);
  }
}

function assertLoopback(name, url) {
  const host = new URL(url).hostname;
  // An empty host means a Unix socket, which is local too.
  if (!['', '127.0.0.1', 'localhost', '[::1]', '::1'].includes(host)) {
    throw new Error(`${name} must point at a loopback address (got ${host}): this bench writes rows and load`);
  }
}

function assertReachable(url, defaultPort, what) {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: u.hostname || '127.0.0.1', port: Number(u.port || defaultPort) });
    socket.setTimeout(2000, () => socket.destroy(new Error('timeout')));
    socket.once('connect', () => {
      socket.destroy();
      resolve();
    });
    socket.once('error', (err) => reject(new Error(`${what} not reachable at ${url}: ${err.message}`)));
  });
}

// ---------------------------------------------------------------------------------------------------------------------
// Machine and /proc

async function describeMachine() {
  const setting = async (name) => (await db.query(`SHOW ${name}`)).rows[0][name];
  let nproc;
  try {
    nproc = Number(execFileSync('nproc', { encoding: 'utf8' }).trim());
  } catch {
    nproc = os.availableParallelism();
  }
  return {
    nproc,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    kernel: os.release(),
    node: process.version,
    postgres: (await db.query('SELECT version()')).rows[0].version,
    postgresSettings: {
      synchronous_commit: await setting('synchronous_commit'),
      fsync: await setting('fsync'),
      max_connections: await setting('max_connections'),
      shared_buffers: await setting('shared_buffers'),
    },
    autocannon: createRequire(import.meta.url)('autocannon/package.json').version,
  };
}

/** A `Vm*:` line of /proc/<pid>/status, in kB (null once the process is gone). */
function readProcStatus(pid, field) {
  try {
    const match = readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'));
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

/** utime + stime of one process, in seconds. */
function readProcCpuSeconds(pid) {
  try {
    // The command name (field 2) may contain spaces; everything after its closing paren is space-separated.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK; // fields 14 and 15 of stat(5)
  } catch {
    return NaN;
  }
}

/**
 * CPU seconds of the shared services' processes, by command name then pid: `postgres` (postmaster, backends, WAL
 * writer, checkpointer...) and `redis-server` (SignBridge's queue). One pass over /proc per snapshot.
 */
function readServiceCpuSeconds() {
  const byComm = { postgres: new Map(), 'redis-server': new Map() };
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const comm = readFileSync(`/proc/${entry}/comm`, 'utf8').trim();
      byComm[comm]?.set(entry, readProcCpuSeconds(entry));
    } catch {
      // exited between readdir and read
    }
  }
  return byComm;
}

/**
 * CPU between two readings, per pid: a backend that exits in between (an idle pool connection timing out) must not
 * subtract its lifetime total, and one that started in between counts in full. What a process used before exiting
 * mid-window is lost, so this is a slight underestimate.
 */
function cpuSecondsBetween(before, after) {
  let seconds = 0;
  for (const [pid, cpu] of after) seconds += Math.max(0, cpu - (before.get(pid) ?? 0)) || 0;
  return seconds;
}

/** Whole-machine CPU seconds from /proc/stat (busy = everything but idle and iowait; steal kept apart). */
function readMachineCpu() {
  const [, ...ticks] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number);
  const idle = ticks[3] + ticks[4];
  const total = ticks.slice(0, 8).reduce((a, b) => a + b, 0); // guest time is already counted in user
  return {
    busy: (total - idle - ticks[7]) / CLK_TCK,
    // Interrupt time is charged to no process: with loopback networking it is the kernel's share of the requests.
    irq: (ticks[5] + ticks[6]) / CLK_TCK,
    steal: ticks[7] / CLK_TCK,
    total: total / CLK_TCK,
  };
}

function snapshotCpu(pid) {
  const idleTargets = [...children.values()].filter((c) => c.pid !== pid && !c.exited).map((c) => c.pid);
  return {
    at: performance.now(),
    target: readProcCpuSeconds(pid),
    // The target not being measured should be idle; if it is still busy (draining a backlog after its own run) it
    // takes CPU from this one, and that must show.
    idleTargets: new Map(idleTargets.map((p) => [p, readProcCpuSeconds(p)])),
    services: readServiceCpuSeconds(),
    self: process.cpuUsage(),
    machine: readMachineCpu(),
  };
}

/**
 * CPU use between two snapshots, in cores (1.0 = one core fully busy). On this machine target, PostgreSQL, Redis
 * and the load generator share nproc cores; `irq` is interrupt time (loopback networking, disk) that no process is
 * charged for, and `other` is everything else that ran meanwhile (kernel threads, other people's builds and tests),
 * which is noise the numbers should be read with.
 */
function cpuCoresBetween(a, b) {
  const wall = (b.at - a.at) / 1000;
  const self = process.cpuUsage(a.self);
  const cores = {
    target: (b.target - a.target) / wall,
    idleTargets: cpuSecondsBetween(a.idleTargets, b.idleTargets) / wall,
    postgres: cpuSecondsBetween(a.services.postgres, b.services.postgres) / wall,
    redis: cpuSecondsBetween(a.services['redis-server'], b.services['redis-server']) / wall,
    loadGenerator: (self.user + self.system) / 1e6 / wall,
    machine: (b.machine.busy - a.machine.busy) / wall,
    irq: (b.machine.irq - a.machine.irq) / wall,
    steal: (b.machine.steal - a.machine.steal) / wall,
  };
  const accounted = cores.target + cores.idleTargets + cores.postgres + cores.redis + cores.loadGenerator + cores.irq;
  cores.other = Math.max(0, cores.machine - accounted);
  return cores;
}

/**
 * Waits (up to 60 s) until no bench child uses more than 5% of a core, so a run never starts while the previous
 * target is still working off what it accepted (e.g. flushing a queue backlog) and taking CPU from this one.
 */
async function waitForIdleTargets() {
  const started = performance.now();
  const cpuOfChildren = () =>
    [...children.values()].filter((c) => !c.exited).reduce((sum, c) => sum + (readProcCpuSeconds(c.pid) || 0), 0);
  let busyCores;
  do {
    const before = cpuOfChildren();
    await sleep(1000);
    busyCores = cpuOfChildren() - before;
  } while (busyCores > 0.05 && performance.now() - started < 60_000);
  const waitedSeconds = (performance.now() - started) / 1000;
  if (busyCores > 0.05) console.warn(`\nwarning: bench targets still busy (${fmt(busyCores, 2)} cores) after 60 s`);
  return { waitedSeconds, busyCores };
}

/** How busy the machine is with nobody benchmarking: anything well above 0 makes the results noisier. */
async function measureBackgroundLoad() {
  const before = snapshotCpu(process.pid);
  await sleep(2000);
  return cpuCoresBetween(before, snapshotCpu(process.pid)).machine;
}

function readClockTicks() {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
}

// ---------------------------------------------------------------------------------------------------------------------
// Report

function buildReport(machine, runs, failure) {
  const byTarget = selected.map((target) => {
    const mine = runs.filter((r) => r.target === target.name);
    const mean = (pick) => (mine.length ? mine.reduce((sum, r) => sum + pick(r), 0) / mine.length : NaN);
    return {
      target: target.name,
      runs: mine.length,
      throughput: mean((r) => r.throughput),
      throughputRuns: mine.map((r) => r.throughput),
      p50: mean((r) => r.latencyMs.p50),
      p99: mean((r) => r.latencyMs.p99),
      peakRssMb: Math.max(...mine.map((r) => r.peakRssMb)),
      targetCpuCores: mean((r) => r.cpuCores.target),
    };
  });
  const baseline = byTarget.find((t) => t.target === 'baseline');
  for (const t of byTarget) t.ratioToBaseline = baseline ? t.throughput / baseline.throughput : null;

  const ratioCell = (t) => (t.target === 'baseline' ? '(reference)' : fmt(t.ratioToBaseline ?? NaN, 2));
  const maxOther = Math.max(0, ...runs.map((r) => r.cpuCores.other));
  const lines = [`# SignBridge ingest benchmark, ${new Date().toISOString()}`, ''];
  if (failure) lines.push(`**FAILED: ${failure}**`, '');
  // Other processes competing for the same cores move throughput by more than most real differences.
  if (maxOther > 0.25) {
    lines.push(
      `**Noisy machine: other processes used up to ${fmt(maxOther, 2)} of ${machine.nproc} cores during the runs.**`,
      '',
    );
  }
  lines.push(
    `Each request is a new, correctly signed Standard Webhooks delivery to \`POST ${INGRESS_PATH}\`; ` +
      `${CONNECTIONS} connections, ${WARMUP_SECONDS} s warm-up (not counted) then ${DURATION_SECONDS} s per run, ` +
      `order ${schedule.map((t) => t.name).join(' → ')}. Throughput counts 2xx only; the latencies are the mean of ` +
      `the runs' percentiles; peak RSS is the largest VmHWM.`,
    '',
    '| target | throughput (req/s) | ratio SignBridge/baseline | p50 (ms) | p99 (ms) | peak RSS (MB) | runs (req/s) |',
    '| --- | ---: | ---: | ---: | ---: | ---: | --- |',
    ...byTarget.map(
      (t) =>
        `| ${t.target} | ${fmt(t.throughput, 0)} | ${ratioCell(t)} | ` +
        `${fmt(t.p50, 1)} | ${fmt(t.p99, 1)} | ${fmt(t.peakRssMb, 1)} | ` +
        `${t.throughputRuns.map((x) => fmt(x, 0)).join(', ')} |`,
    ),
    '',
    '## Runs, in execution order',
    '',
    '| # | target | 2xx | req/s | p50 (ms) | p99 (ms) | non-2xx | errors | rows added | VmHWM (MB) | ' +
      'sampled RSS max/mean (MB) | CPU cores: target / idle target / PostgreSQL / Redis / load gen / irq / other | ' +
      'waited for idle (s) |',
    '| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...runs.map(
      (r, i) =>
        `| ${i + 1} | ${r.target} | ${r.requests2xx} | ${fmt(r.throughput, 0)} | ` +
        `${r.latencyMs.p50} | ${r.latencyMs.p99} | ` +
        `${r.non2xx} | ${r.errors} | ${r.rows.added} | ${fmt(r.peakRssMb, 1)} | ` +
        `${fmt(r.sampledRssMb.max, 1)} / ${fmt(r.sampledRssMb.mean, 1)} | ` +
        `${fmt(r.cpuCores.target, 2)} / ${fmt(r.cpuCores.idleTargets, 2)} / ` +
        `${fmt(r.cpuCores.postgres, 2)} / ${fmt(r.cpuCores.redis, 2)} / ` +
        `${fmt(r.cpuCores.loadGenerator, 2)} / ` +
        `${fmt(r.cpuCores.irq, 2)} / ${fmt(r.cpuCores.other, 2)} | ${fmt(r.settle.waitedSeconds, 0)} |`,
    ),
    '',
    '## Machine',
    '',
    `- nproc: ${machine.nproc} (${machine.cpuModel}), ${machine.memoryGb} GiB RAM, Linux ${machine.kernel}`,
    `- Node ${machine.node}, autocannon ${machine.autocannon} (in-process, same machine)`,
    `- ${machine.postgres}`,
    `- Rows already in the tables at start: ${Object.entries(machine.rowsAtStart ?? {})
      .map(([table, n]) => `${table} ${n.toLocaleString('en-US')}`)
      .join(', ')}`,
    `- CPU in use before the bench started (other processes): ${fmt(machine.backgroundLoadCores, 2)} cores; ` +
      `during runs, "other" column above`,
    `- PostgreSQL settings: ${Object.entries(machine.postgresSettings)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ')}`,
    '',
  );
  const markdown = lines.join('\n');
  return {
    markdown,
    json: {
      ok: !failure,
      failure,
      startedAt: STAMP,
      config: {
        connections: CONNECTIONS,
        warmupSeconds: WARMUP_SECONDS,
        durationSeconds: DURATION_SECONDS,
        ingressPath: INGRESS_PATH,
        schedule: schedule.map((t) => t.name),
        targets: selected.map((t) => ({ name: t.name, port: t.port, table: t.table })),
        databaseUrl: DATABASE_URL,
        queuePrefix: selected.includes(TARGETS.signbridge) ? QUEUE_PREFIX : undefined,
      },
      machine,
      summary: byTarget,
      runs,
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------------
// Small helpers

function readDuration() {
  const raw = process.env.BENCH_DURATION ?? '15';
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds <= 0) fail(`BENCH_DURATION must be a number of seconds (got ${raw})`);
  if (seconds < 10) {
    // Shorter windows are dominated by the first seconds' noise (JIT, pool fill, autovacuum kicks): not comparable.
    console.warn(`BENCH_DURATION=${raw} is below the 10 s minimum; using 10`);
    return 10;
  }
  return Math.round(seconds);
}

/**
 * Children get only what they need plus the target's own variables, not the caller's whole environment: a stray
 * DB_POOL_SIZE, MIGRATIONS_RUN or NODE_OPTIONS in a shell must not silently change what is being measured.
 * BASELINE_POOL_SIZE passes through on purpose, to try other pool sizes for the floor.
 */
function childEnv(targetEnv) {
  const keep = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR', 'BASELINE_POOL_SIZE'];
  const inherited = Object.fromEntries(
    keep.filter((k) => process.env[k] !== undefined).map((k) => [k, process.env[k]]),
  );
  return { ...inherited, ...targetEnv };
}

function tail(file, lines) {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

function fmt(value, digits) {
  return Number.isFinite(value)
    ? value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : 'n/a';
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function fail(message) {
  console.error(`FAIL: ${message}`);
  process.exit(1);
}

// Last, so every module-level binding above is initialised before anything runs.
await main().catch(async (err) => {
  console.error(`\nFAIL: ${err.message}`);
  await cleanupAndExit(1);
});
