// The floor SignBridge's webhook ingress is compared with: what a careful person would hand-write with no framework.
// Bare node:http, a body limit, the Standard Webhooks HMAC check, one committed INSERT per delivery, then 200.
// Nothing else (no JSON parsing, no queue, no logging per request), so the gap to SignBridge is the cost of everything
// SignBridge adds on top of "authenticate and store durably".
//
// Env: PORT (default 4101), HOST (default 127.0.0.1), DATABASE_URL, WEBHOOK_SECRET (whsec_...),
//      BASELINE_POOL_SIZE (default 16, see below).
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import pg from 'pg';

const PORT = Number(process.env.PORT ?? 4101);
const HOST = process.env.HOST ?? '127.0.0.1';
const DATABASE_URL = process.env.DATABASE_URL;
const WEBHOOK_SECRET = process.env.WEBHOOK_SECRET;
// 16 connections: a request holds one only for a single INSERT + commit. Measured on the 2-core bench machine (quiet,
// 10 s runs, 64 client connections): 4 ≈ 8.0k req/s, 8 ≈ 9.2k, 16 ≈ 9.4k, 32 ≈ 7.2k with twice the p99. 8 and 16
// are within run-to-run noise; fewer starve group commit, more only add backends fighting for the same 2 cores.
const POOL_SIZE = Number(process.env.BASELINE_POOL_SIZE ?? 16);
const MAX_BODY_BYTES = 256 * 1024;
const TOLERANCE_SECONDS = 5 * 60;
const PROVIDER = 'sandbox';
const INGRESS_PATH = `/webhooks/${PROVIDER}`;

if (!DATABASE_URL || !WEBHOOK_SECRET?.startsWith('whsec_')) {
  console.error('baseline: DATABASE_URL and WEBHOOK_SECRET (whsec_...) are required');
  process.exit(2);
}
// Standard Webhooks: the HMAC key is the base64-decoded part after the whsec_ prefix, not the string itself.
const KEY = Buffer.from(WEBHOOK_SECRET.slice('whsec_'.length), 'base64');

const pool = new pg.Pool({ connectionString: DATABASE_URL, max: POOL_SIZE });
// An idle client losing its connection emits here; without a listener it would crash the process.
pool.on('error', (err) => console.error('baseline: idle pg client error:', err.message));

const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS baseline_inbound_events (
  id bigserial PRIMARY KEY,
  provider text NOT NULL,
  provider_event_id text UNIQUE NOT NULL,
  headers jsonb NOT NULL,
  raw_body bytea NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now()
)`;

// A named statement is parsed and planned once per connection instead of once per request: cheap care, so it belongs
// in the floor. ON CONFLICT DO NOTHING makes a redelivery (same webhook-id) an idempotent 200.
const INSERT = {
  name: 'baseline_insert_inbound_event',
  text: `INSERT INTO baseline_inbound_events (provider, provider_event_id, headers, raw_body)
         VALUES ($1, $2, $3, $4) ON CONFLICT (provider_event_id) DO NOTHING`,
};

function reply(res, status, body, extraHeaders = {}) {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(payload),
    ...extraHeaders,
  });
  res.end(payload);
}

/** Resolves with the raw bytes, or null after answering 413. */
function readBody(req, res) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    const onData = (chunk) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) return tooLarge();
      chunks.push(chunk);
    };
    // `connection: close` makes node:http end the socket once the 413 is flushed; until then the rest of the body is
    // drained without being buffered, so the client gets to read the answer instead of a reset.
    const tooLarge = () => {
      req.off('data', onData);
      req.resume();
      reply(res, 413, { error: 'payload_too_large' }, { connection: 'close' });
      resolve(null);
    };
    // Reject on the declared length before reading a byte; still count below, for chunked bodies or a lying header.
    if (Number(req.headers['content-length'] ?? 0) > MAX_BODY_BYTES) return tooLarge();
    req.on('data', onData);
    req.on('end', () => resolve(Buffer.concat(chunks, size)));
    req.on('error', reject);
  });
}

/** Standard Webhooks verification. Returns the webhook-id when authentic, null otherwise. */
function verify(headers, rawBody, nowSeconds) {
  const id = headers['webhook-id'];
  const timestamp = headers['webhook-timestamp'];
  const signatures = headers['webhook-signature'];
  if (!id || !timestamp || !signatures || !/^\d{1,12}$/.test(timestamp)) return null;
  // The tolerance window (both directions) is what makes a captured request useless for replay later.
  if (Math.abs(nowSeconds - Number(timestamp)) > TOLERANCE_SECONDS) return null;

  // Signed content is the exact received bytes, never re-serialised JSON.
  const expected = createHmac('sha256', KEY).update(`${id}.${timestamp}.`).update(rawBody).digest();
  // The header may carry several space-separated signatures (key rotation); any valid v1 one is enough.
  for (const entry of signatures.split(' ')) {
    const [version, value] = entry.split(',', 2);
    if (version !== 'v1' || !value) continue;
    const candidate = Buffer.from(value, 'base64');
    // timingSafeEqual throws on a length mismatch; the length of a valid HMAC is public, so checking it leaks nothing.
    if (candidate.length === expected.length && timingSafeEqual(candidate, expected)) return id;
  }
  return null;
}

async function handleWebhook(req, res) {
  const rawBody = await readBody(req, res);
  if (rawBody === null) return;

  const providerEventId = verify(req.headers, rawBody, Math.floor(Date.now() / 1000));
  if (providerEventId === null) return reply(res, 401, { error: 'invalid_signature' });

  try {
    // pool.query runs outside an explicit transaction, so the INSERT is committed (and the WAL flushed, with the
    // default synchronous_commit=on) before it resolves: a 200 means the delivery is durable.
    await pool.query(INSERT, [PROVIDER, providerEventId, JSON.stringify(req.headers), rawBody]);
  } catch (err) {
    console.error('baseline: insert failed:', err.message);
    // 503 rather than 500: the sender should retry later, which is what Standard Webhooks senders do on any non-2xx.
    return reply(res, 503, { error: 'storage_unavailable' });
  }
  reply(res, 200, { received: true });
}

const server = createServer((req, res) => {
  const path = req.url.split('?', 1)[0];
  if (req.method === 'POST' && path === INGRESS_PATH) {
    handleWebhook(req, res).catch((err) => {
      console.error('baseline: unexpected error:', err);
      if (!res.headersSent) reply(res, 500, { error: 'internal' });
      else res.destroy();
    });
  } else if (req.method === 'GET' && path === '/health') {
    reply(res, 200, { status: 'ok' });
  } else {
    // Drain whatever was sent so the keep-alive connection stays usable.
    req.resume();
    reply(res, 404, { error: 'not_found' });
  }
});

async function shutdown(signal) {
  console.error(`baseline: ${signal}, shutting down`);
  server.close();
  server.closeAllConnections(); // keep-alive sockets would otherwise hold close() open for keepAliveTimeout
  await pool.end().catch(() => {});
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));

// Listen only once the table exists, so "answers /health" means "ready to store".
await pool.query(CREATE_TABLE);
server.listen(PORT, HOST, () => {
  console.error(`baseline: listening on http://${HOST}:${PORT}${INGRESS_PATH} (pg pool ${POOL_SIZE})`);
});
