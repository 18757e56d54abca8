// `npm start`: SignBridge (API + workers) and the sandbox signature platform, wired to each other.
//
// Both processes read the same generated files under DATA_DIR (default .data): the sandbox's API key and
// its webhook signing secret. So SignBridge can call the sandbox, and accepts the sandbox's webhooks, with
// no set-up. With SANDBOX_URL set, SignBridge talks to that platform instead and no sandbox is started.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const env = { ...process.env };
const signbridgePort = Number(env.PORT ?? 3000);
const sandboxPort = Number(env.SANDBOX_PORT ?? 3100);
const startSandbox = env.SANDBOX_URL === undefined || env.SANDBOX_URL === '';
const host = (h) => (h === '0.0.0.0' || h === undefined ? '127.0.0.1' : h);
const signbridgeUrl = `http://${host(env.HOST)}:${signbridgePort}`;
const sandboxUrl = startSandbox ? `http://${host(env.SANDBOX_HOST)}:${sandboxPort}` : env.SANDBOX_URL;

const children = new Map();
let stopping = false;

function run(name, script) {
  const child = spawn(process.execPath, [join(root, script)], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const prefix = `[${name}]`.padEnd(13);
  for (const stream of [child.stdout, child.stderr]) {
    let pending = '';
    stream.on('data', (chunk) => {
      const lines = (pending + chunk.toString()).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) process.stdout.write(`${prefix}${line}\n`);
    });
  }
  child.on('exit', (code, signal) => {
    children.delete(name);
    if (!stopping) {
      process.stdout.write(`${prefix}exited (${signal ?? code}); stopping the others\n`);
      stop(code === 0 ? 1 : (code ?? 1));
    } else if (children.size === 0) {
      process.exit(process.exitCode ?? 0);
    }
  });
  children.set(name, child);
}

function stop(code) {
  if (stopping) return;
  stopping = true;
  process.exitCode = code;
  if (children.size === 0) process.exit(code);
  for (const child of children.values()) child.kill('SIGTERM');
  setTimeout(() => {
    for (const child of children.values()) child.kill('SIGKILL');
    process.exit(code);
  }, 15_000).unref();
}

async function waitForHealth(url, deadlineMs) {
  const deadline = Date.now() + deadlineMs;
  while (Date.now() < deadline && !stopping) {
    try {
      const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1000) });
      if (response.ok) return true;
    } catch {
      // not up yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return false;
}

process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));

// The sandbox first: whichever starts first creates the shared key and secret; the other reads them.
if (startSandbox) run('sandbox', 'dist/apps/sandbox/src/main.js');
run('signbridge', 'dist/apps/api/src/main.js');

const ready = await Promise.all([
  startSandbox ? waitForHealth(sandboxUrl, 60_000) : true,
  waitForHealth(signbridgeUrl, 60_000),
]);
if (ready.every(Boolean) && !stopping) {
  const lines = [
    '',
    'SignBridge is running (Ctrl-C stops everything):',
    `  SignBridge API         ${signbridgeUrl}/api/v1   Swagger UI ${signbridgeUrl}/docs`,
    `  Sandbox platform       ${sandboxUrl}            API docs   ${sandboxUrl}/docs`,
    ...(startSandbox ? [`  Sandbox mailbox        ${sandboxUrl}/mailbox   (invitations and one-time codes)`] : []),
    '  The admin API key is printed above on the first start only (or set SIGNBRIDGE_ADMIN_API_KEY).',
    '  Walkthrough: README.md, "Send a contract and sign it".',
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
} else if (!stopping) {
  process.stdout.write('SignBridge or the sandbox did not become healthy within 60 s; see the log above.\n');
}
