import { randomBytes, randomUUID } from 'node:crypto';
import {
  Body,
  type CanActivate,
  Controller,
  type ExecutionContext,
  HttpCode,
  Injectable,
  NotFoundException,
  Post,
  UseGuards,
} from '@nestjs/common';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import {
  APP_CONFIG,
  buildDataSourceOptions,
  configureHttp,
  fingerprintOf,
  hashApiKey,
  Idempotent,
  loadConfig,
} from '@app/common';
import {
  eventually,
  postWebhook,
  signedDelivery,
  startTestApp,
  TEST_ADMIN_KEY,
  type TestApp,
} from '../support/test-app';
import { connectTestDatabase } from '../support/test-db';
import { TEST_DATABASE_URL } from '../support/test-env';

type Problem = { status: number; code: string; detail: string; differs?: string[]; instance?: string };
type Customer = { id: string; externalRef: string };
type InboundEvent = { id: string; status: string; attempts: number };
interface Answer<T> {
  status: number;
  text: string;
  body: T;
  headers: Headers;
}

/** A POST as the ERP sends it; the raw text is kept so a replay can be compared byte for byte. */
async function post<T = Problem>(
  baseUrl: string,
  path: string,
  body: unknown,
  options: { key?: string; apiKey?: string; principal?: string } = {},
): Promise<Answer<T>> {
  const headers: Record<string, string> = { authorization: `Bearer ${options.apiKey ?? TEST_ADMIN_KEY}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (options.key !== undefined) headers['idempotency-key'] = options.key;
  if (options.principal !== undefined) headers['x-test-principal'] = options.principal;
  const response = await fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers,
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, text, body: (text ? JSON.parse(text) : undefined) as T, headers: response.headers };
}

const newKey = () => `idem-${randomUUID()}`;
const newCustomer = () => {
  const tag = randomUUID().slice(0, 8);
  return { externalRef: `idem-${tag}`, name: `Customer ${tag}`, email: `billing-${tag}@example.test` };
};

/** Idempotency-Key on the ERP API, against the real app and database. */
describe('Idempotency-Key on the ERP API', () => {
  let target: TestApp;
  let db: DataSource;
  let adminKeyId: string;
  const createCustomer = (body: unknown, options: { key?: string; apiKey?: string } = {}) =>
    post<Customer & Problem>(target.url, '/api/v1/customers', body, options);
  const customersWithRef = async (externalRef: string) =>
    Number((await db.query(`SELECT count(*) FROM customers WHERE external_ref = $1`, [externalRef]))[0].count);

  beforeAll(async () => {
    target = await startTestApp();
    db = await connectTestDatabase(4);
    [{ id: adminKeyId }] = await db.query(`SELECT id FROM api_keys WHERE key_hash = $1`, [hashApiKey(TEST_ADMIN_KEY)]);
  });
  afterAll(async () => {
    await target.close();
    await db.destroy();
  });

  it('documents the optional Idempotency-Key header on the idempotent POSTs', async () => {
    type Operation = { parameters?: { name: string; in: string; required?: boolean; description?: string }[] };
    const docs = (await (await fetch(`${target.url}/docs-json`)).json()) as {
      paths: Record<string, Record<string, Operation>>;
    };
    for (const path of ['/api/v1/customers', '/api/v1/inbound-events/{id}/replay']) {
      const header = docs.paths[path].post.parameters?.find((p) => p.name === 'Idempotency-Key');
      expect(header).toMatchObject({ in: 'header', required: false });
      expect(header?.description).toContain('Idempotent-Replayed');
    }
    expect(docs.paths['/api/v1/customers'].get.parameters?.some((p) => p.name === 'Idempotency-Key')).toBe(false);
  });

  it('without a key, a POST runs as usual every time', async () => {
    const body = newCustomer();
    expect((await createCustomer(body)).status).toBe(201);
    expect((await createCustomer(body)).body.code).toBe('CUSTOMER.EXTERNAL_REF_TAKEN');
  });

  it('replays the first answer byte for byte, marked Idempotent-Replayed, and creates one customer', async () => {
    const key = newKey();
    const body = newCustomer();
    const first = await createCustomer(body, { key });
    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    // Same request, keys in another order and other whitespace: the same fingerprint.
    const reordered = `{ "email": "${body.email}",\n "name": "${body.name}", "externalRef": "${body.externalRef}" }`;
    const second = await createCustomer(reordered, { key });
    expect(second.status).toBe(201);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(second.headers.get('content-type')).toBe(first.headers.get('content-type'));
    expect(second.text).toBe(first.text);
    expect(second.body.externalRef).toBe(body.externalRef);
    expect(await customersWithRef(body.externalRef)).toBe(1);
  });

  it('422 IDEMPOTENCY.KEY_REUSED for the same key with another body or another path', async () => {
    const key = newKey();
    const body = newCustomer();
    expect((await createCustomer(body, { key })).status).toBe(201);
    const otherBody = await createCustomer({ ...body, name: 'Someone else' }, { key });
    expect(otherBody.status).toBe(422);
    expect(otherBody.body).toMatchObject({ code: 'IDEMPOTENCY.KEY_REUSED', differs: ['body'] });
    expect(otherBody.body.detail).toContain('POST /api/v1/customers');
    const otherPath = await post(target.url, `/api/v1/inbound-events/${randomUUID()}/replay`, undefined, { key });
    expect(otherPath.status).toBe(422);
    expect(otherPath.body).toMatchObject({ code: 'IDEMPOTENCY.KEY_REUSED', differs: ['path', 'body'] });
    expect(await customersWithRef(body.externalRef)).toBe(1);
  });

  it('gives a retry the customer it created when the stored answer was lost, and refuses the key for another one', async () => {
    const key = newKey();
    const body = newCustomer();
    // The process died after the customer's insert and before the key's answer was stored: no answer on record.
    const forgetAnswer = () => db.query(`DELETE FROM idempotency_keys WHERE key = $1`, [key]);
    const first = await createCustomer(body, { key });
    expect(first.status).toBe(201);
    await forgetAnswer();
    const retried = await createCustomer(body, { key });
    expect({ status: retried.status, id: retried.body.id }).toEqual({ status: 201, id: first.body.id });
    expect(await customersWithRef(body.externalRef)).toBe(1);

    // The same key for another customer is another request: refused, and nothing is created.
    await forgetAnswer();
    const other = newCustomer();
    const reused = await createCustomer(other, { key });
    expect({ status: reused.status, code: reused.body.code }).toEqual({ status: 422, code: 'IDEMPOTENCY.KEY_REUSED' });
    expect(await customersWithRef(other.externalRef)).toBe(0);
    // Another key for the taken externalRef is still a conflict.
    expect((await createCustomer(body, { key: newKey() })).body.code).toBe('CUSTOMER.EXTERNAL_REF_TAKEN');
  });

  it('20 concurrent requests with one key create one customer; the rest replay it or get 409', async () => {
    const key = newKey();
    const body = newCustomer();
    const answers = await Promise.all(Array.from({ length: 20 }, () => createCustomer(body, { key })));
    const created = answers.filter((a) => a.status === 201);
    const busy = answers.filter((a) => a.status === 409);
    expect(created.length + busy.length).toBe(20);
    expect(created.filter((a) => a.headers.get('idempotent-replayed') === null)).toHaveLength(1);
    expect(new Set(created.map((a) => a.text)).size).toBe(1);
    for (const a of busy) {
      expect(a.body.code).toBe('IDEMPOTENCY.REQUEST_IN_PROGRESS');
      expect(a.headers.get('retry-after')).toBe('1');
    }
    expect(await customersWithRef(body.externalRef)).toBe(1);
    const after = await createCustomer(body, { key });
    expect({ status: after.status, text: after.text }).toEqual({ status: 201, text: created[0].text });
  });

  it('replays a 4xx first answer (a validation error) identically, and does not run the request again', async () => {
    const key = newKey();
    const invalid = { ...newCustomer(), email: 'not-an-email' };
    const first = await createCustomer(invalid, { key });
    expect(first.status).toBe(400);
    expect(first.body.code).toBe('REQUEST.INVALID');
    expect(first.headers.get('content-type')).toContain('application/problem+json');
    const second = await createCustomer(invalid, { key });
    expect(second.status).toBe(400);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(second.headers.get('content-type')).toBe(first.headers.get('content-type'));
    expect(second.text).toBe(first.text);
    expect(await customersWithRef(invalid.externalRef)).toBe(0);
  });

  it('scopes keys per API key: another API key with the same Idempotency-Key gets its own customer', async () => {
    const otherApiKey = `sb_test_${randomBytes(24).toString('base64url')}`;
    await db.query(
      `INSERT INTO api_keys (id, name, prefix, key_hash, scopes) VALUES ($1, 'idempotency test', $2, $3, '{erp}')`,
      [randomUUID(), otherApiKey.slice(0, 10), hashApiKey(otherApiKey)],
    );
    const key = newKey();
    const mine = await createCustomer(newCustomer(), { key });
    const theirs = await createCustomer(newCustomer(), { key, apiKey: otherApiKey });
    expect([mine.status, theirs.status]).toEqual([201, 201]);
    expect(theirs.headers.get('idempotent-replayed')).toBeNull();
    expect(theirs.body.id).not.toBe(mine.body.id);
  });

  describe('claims left by another request', () => {
    async function insertClaim(key: string, body: unknown, lockedUntil: string, createdAt = 'now()'): Promise<void> {
      const f = fingerprintOf('POST', '/api/v1/customers', body);
      await db.query(
        `INSERT INTO idempotency_keys (principal_id, key, method, path, request_hash, status, lock_token, locked_until, created_at)
         VALUES ($1, $2, $3, $4, $5, 'in_progress', $6, ${lockedUntil}, ${createdAt})`,
        [adminKeyId, key, f.method, f.path, f.requestHash, randomUUID()],
      );
    }
    const rowOf = async (key: string) =>
      (
        (await db.query(`SELECT status, response_status FROM idempotency_keys WHERE principal_id = $1 AND key = $2`, [
          adminKeyId,
          key,
        ])) as { status: string; response_status: number }[]
      )[0];

    it('409 with Retry-After while the lease of the request holding the key runs', async () => {
      const key = newKey();
      const body = newCustomer();
      await insertClaim(key, body, `now() + interval '1 minute'`);
      const res = await createCustomer(body, { key });
      expect(res.status).toBe(409);
      expect(res.body.code).toBe('IDEMPOTENCY.REQUEST_IN_PROGRESS');
      expect(res.headers.get('retry-after')).toBe('1');
      expect(await customersWithRef(body.externalRef)).toBe(0);
    });

    it('takes over the claim of a crashed request once its lease expired, and completes it', async () => {
      const key = newKey();
      const body = newCustomer();
      await insertClaim(key, body, `now() - interval '1 second'`);
      const res = await createCustomer(body, { key });
      expect(res.status).toBe(201);
      expect(res.headers.get('idempotent-replayed')).toBeNull();
      expect(await rowOf(key)).toEqual({ status: 'completed', response_status: 201 });
      expect((await createCustomer(body, { key })).headers.get('idempotent-replayed')).toBe('true');
      expect(await customersWithRef(body.externalRef)).toBe(1);
    });

    it('treats a row older than IDEMPOTENCY_TTL_HOURS as absent', async () => {
      const key = newKey();
      await insertClaim(key, { some: 'older request' }, `now() + interval '1 minute'`, `now() - interval '25 hours'`);
      const body = newCustomer();
      const res = await createCustomer(body, { key });
      expect(res.status).toBe(201);
      expect(await rowOf(key)).toEqual({ status: 'completed', response_status: 201 });
    });
  });

  it('400 IDEMPOTENCY.KEY_INVALID for a key of 300 characters or with non-ASCII characters', async () => {
    for (const key of ['k'.repeat(300), 'cl\u00e9']) {
      const body = newCustomer();
      const res = await createCustomer(body, { key });
      expect({ status: res.status, code: res.body.code }).toEqual({ status: 400, code: 'IDEMPOTENCY.KEY_INVALID' });
      expect(await customersWithRef(body.externalRef)).toBe(0);
    }
  });

  it('a retried POST /inbound-events/:id/replay gets 202 again without sending the event through twice', async () => {
    const envelopeId = `env_${randomUUID()}`;
    const delivery = signedDelivery({
      type: 'envelope.opened',
      timestamp: new Date().toISOString(),
      data: { envelope_id: envelopeId },
    });
    expect((await postWebhook(target.url, delivery)).status).toBe(200);
    const eventId = await eventually(
      async () => {
        const rows: { id: string }[] = await db.query(
          `SELECT id FROM inbound_events WHERE envelope_id = $1 AND status = 'parked'`,
          [envelopeId],
        );
        return rows[0]?.id;
      },
      { what: 'the event parked' },
    );
    const key = newKey();
    const path = `/api/v1/inbound-events/${eventId}/replay`;
    const first = await post<InboundEvent>(target.url, path, undefined, { key });
    expect(first.status).toBe(202);
    await eventually(
      async () => {
        const [row]: InboundEvent[] = await db.query(`SELECT status, attempts FROM inbound_events WHERE id = $1`, [
          eventId,
        ]);
        return row.status === 'parked' && row.attempts === 2 ? row : undefined;
      },
      { what: 'the replayed event parked again' },
    );
    // A second run would put the row back to `received` before answering; mark it to see that nothing ran.
    await db.query(`UPDATE inbound_events SET status = 'ignored' WHERE id = $1`, [eventId]);
    const retry = await post<InboundEvent>(target.url, path, undefined, { key });
    expect(retry.status).toBe(202);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.text).toBe(first.text);
    const [row]: InboundEvent[] = await db.query(`SELECT status, attempts FROM inbound_events WHERE id = $1`, [
      eventId,
    ]);
    expect(row).toEqual({ status: 'ignored', attempts: 2 });
  });
});

/** Stands in for the API-key guard: the principal is whatever the test says. */
@Injectable()
class TestPrincipalGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<{ headers: Record<string, string>; user?: unknown }>();
    request.user = { keyId: request.headers['x-test-principal'], name: 'test', scopes: ['admin'] };
    return true;
  }
}

/** Fails the way it is told to on its first call per tag, then succeeds; counts its runs. */
@Controller('flaky')
@UseGuards(TestPrincipalGuard)
class FlakyController {
  static runs = new Map<string, number>();

  @Post()
  @HttpCode(201)
  @Idempotent()
  run(@Body() body: { tag: string; failFirst: '500' | '404' }): { tag: string; run: number } {
    const run = (FlakyController.runs.get(body.tag) ?? 0) + 1;
    FlakyController.runs.set(body.tag, run);
    if (run === 1 && body.failFirst === '500') throw new Error('the database went away');
    if (run === 1 && body.failFirst === '404') throw new NotFoundException('nothing here yet');
    return { tag: body.tag, run };
  }
}

/** The interceptor alone, in a tiny app of its own, on the real test database. */
describe('@Idempotent() on a handler that fails', () => {
  let app: NestFastifyApplication;
  let url: string;
  const principal = randomUUID();

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [TypeOrmModule.forRoot(buildDataSourceOptions(TEST_DATABASE_URL, 4))],
      controllers: [FlakyController],
      providers: [{ provide: APP_CONFIG, useValue: loadConfig({}) }, TestPrincipalGuard],
    }).compile();
    app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), { logger: false });
    configureHttp(app);
    await app.listen(0, '127.0.0.1');
    url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  });
  afterAll(async () => {
    await app.close();
  });

  const call = (key: string, body: unknown) => post<{ run: number } & Problem>(url, '/flaky', body, { key, principal });

  it('a 5xx releases the key: the retry runs the handler again, and that answer is kept', async () => {
    const key = newKey();
    const body = { tag: randomUUID(), failFirst: '500' };
    const first = await call(key, body);
    expect({ status: first.status, code: first.body.code }).toEqual({ status: 500, code: 'INTERNAL' });
    const second = await call(key, body);
    expect(second.status).toBe(201);
    expect(second.body.run).toBe(2);
    expect(second.headers.get('idempotent-replayed')).toBeNull();
    const third = await call(key, body);
    expect(third.headers.get('idempotent-replayed')).toBe('true');
    expect(third.text).toBe(second.text);
    expect(FlakyController.runs.get(body.tag)).toBe(2);
  });

  it('a 4xx from the handler (an HttpException) is the answer: replayed, not run again', async () => {
    const key = newKey();
    const body = { tag: randomUUID(), failFirst: '404' };
    const first = await call(key, body);
    expect({ status: first.status, code: first.body.code }).toEqual({ status: 404, code: 'ROUTE.NOT_FOUND' });
    const second = await call(key, body);
    expect(second.status).toBe(404);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(second.text).toBe(first.text);
    expect(FlakyController.runs.get(body.tag)).toBe(1);
  });
});
