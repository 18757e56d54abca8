// What the activation benchmark and the chaos check share: the contracts they send, the pace they sign them at, and
// small helpers. Each script keeps its own processes, ports and checks.
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';
import { PDFDocument, StandardFonts } from 'pdf-lib';

/** Deletes a run's queue keys (those under its BullMQ prefix), so that runs do not pile up in the machine's Redis. */
export async function deleteQueueKeys(redisUrl, prefix) {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    for await (const keys of redis.scanStream({ match: `${prefix}:*`, count: 1000 })) {
      if (keys.length > 0) await redis.unlink(...keys);
    }
  } finally {
    redis.disconnect();
  }
}

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * What one run of a script is known by: a timestamp for its files, fresh API keys and webhook secret, and a database of
 * its own on `serverUrl`, named `<databasePrefix>_<random>`, which the script makes and drops (or keeps, to look into).
 */
export function runIdentity({ keyLabel, databasePrefix, serverUrl }) {
  const database = `${databasePrefix}_${randomBytes(3).toString('hex')}`;
  return {
    stamp: new Date().toISOString().replace(/[:.]/g, '-'),
    adminKey: `sb_${keyLabel}_${randomBytes(16).toString('hex')}`,
    sandboxKey: `sbx_${keyLabel}_${randomBytes(16).toString('hex')}`,
    webhookSecret: `whsec_${randomBytes(32).toString('base64')}`,
    databaseUrl: Object.assign(new URL(serverUrl), { pathname: `/${database}` }).toString(),
    createDatabase: () => adminQuery(serverUrl, `CREATE DATABASE "${database}"`),
    async dropDatabase({ keep }) {
      if (keep) process.stdout.write(`database kept: ${database}\n`);
      else await adminQuery(serverUrl, `DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`).catch(() => undefined);
    },
  };
}

/** One statement on the server's maintenance database (CREATE or DROP DATABASE), on a connection of its own. */
async function adminQuery(serverUrl, sql) {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** A one-page PDF titled `title`, base64: the document every contract sends for signature. */
export async function samplePdf(title) {
  const pdf = await PDFDocument.create();
  const page = pdf.addPage([595, 842]);
  page.drawText(title, { x: 56, y: 770, size: 18, font: await pdf.embedFont(StandardFonts.Helvetica) });
  return Buffer.from(await pdf.save()).toString('base64');
}

/**
 * Customer `i` and its contract, sent for signature through the sandbox: one signer, one billing line, both built-in
 * provisioning actions. `post(path, body, idempotencyKey)` makes the call; `label` names the run in the bodies.
 */
export async function sendContract(post, { label, stamp, pdf, i }) {
  const customer = await post(
    '/api/v1/customers',
    {
      externalRef: `${label}-${stamp}-${i}`,
      name: `${label} customer ${i}`,
      email: `${label}-${i}@example.test`,
      taxId: `B${String(10_000_000 + i)}`,
      address: { line1: `Calle Mayor ${i}`, city: 'Madrid', postalCode: '28001', country: 'ES' },
    },
    `customer-${i}`,
  );
  return post(
    '/api/v1/contracts',
    {
      customerId: customer.id,
      provider: 'sandbox',
      title: `${label} agreement ${i}`,
      document: { filename: `${label}.pdf`, contentBase64: pdf },
      signers: [{ email: `signer-${i}@example.test`, name: `Signer ${i}` }],
      amount: { currency: 'EUR', amountCents: 120_000 },
      billing: { lines: [{ description: 'Service, first month', quantity: 1, unitPriceCents: 99_000, vatRate: 21 }] },
      provisioning: [
        { action: 'access-credentials', params: { plan: 'pro' } },
        { action: 'warehouse-order', params: { sku: 'KIT-1' } },
      ],
    },
    `contract-${i}`,
  );
}

/** `total` contracts through `sendContract`, `concurrency` at a time; in the order of `i`. */
export async function sendContracts(post, { label, stamp, pdf, total, concurrency }) {
  const contracts = [];
  let next = 0;
  const worker = async () => {
    while (next < total) {
      const i = next++;
      contracts[i] = await sendContract(post, { label, stamp, pdf, i });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return contracts;
}

/**
 * `act(item)` for each item, one every 1/rate s on a fixed schedule (not "as fast as the last answer"); waits for all
 * of them and returns how late each started, in ms.
 */
export async function atRate(items, rate, act) {
  const start = performance.now();
  const inFlight = [];
  const lateness = [];
  for (let i = 0; i < items.length; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    lateness.push(Math.max(0, performance.now() - due));
    inFlight.push(act(items[i]));
  }
  await Promise.all(inFlight);
  return lateness;
}

/** Ends the script when `done` settles: 0 when it succeeded; else the error, `cleanUp()` (the children stopped), 1. */
export function exitWhenSettled(done, cleanUp) {
  done.then(
    () => process.exit(0),
    async (error) => {
      process.stderr.write(`${error.stack ?? error}\n`);
      await cleanUp();
      process.exit(1);
    },
  );
}
