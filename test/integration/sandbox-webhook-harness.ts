import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { Module, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Client } from 'pg';
import { configureHttp } from '@app/common';
import {
  loadSandboxConfig,
  SandboxCoreModule,
  SandboxDatabase,
  SandboxWebhooksModule,
  WEBHOOK_MIGRATIONS,
  WebhookOutbox,
  type WebhookDraft,
} from '@app/sandbox';
import { eventually } from '../support/eventually';
import { assertTestDatabase, TEST_DATABASE_URL } from '../support/test-env';

export { eventually };

export const SANDBOX_KEY = 'sbx_test_key_0123456789abcdef';
export const SANDBOX_SECRET = `whsec_${Buffer.from('sandbox-webhook-test-secret-0123').toString('base64')}`;

/** A schema of the test file's own: the sandbox tables are created fresh, never shared with a neighbour. */
export function newSchema(): string {
  return `sbxwh_${randomBytes(6).toString('hex')}`;
}

export async function dropSchema(schema: string): Promise<void> {
  const client = new Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end();
  }
}

export interface SandboxWebhookApp {
  app: NestFastifyApplication;
  database: SandboxDatabase;
  outbox: WebhookOutbox;
  /** Writes the drafts in one transaction, commits, then wakes the dispatcher (as the envelope code does). */
  send(drafts: WebhookDraft[]): Promise<string[]>;
  api<T = unknown>(method: string, path: string, body?: unknown, key?: string | null): Promise<ApiReply<T>>;
  close(): Promise<void>;
}

export interface ApiReply<T> {
  status: number;
  body: T;
}

@Module({})
class SandboxWebhookTestRoot {}

/** The webhook module as the sandbox process wires it (global core module + webhooks), on its own pool. */
export async function startSandboxWebhookApp(
  schema: string,
  env: Record<string, string> = {},
  databaseUrl = TEST_DATABASE_URL,
): Promise<SandboxWebhookApp> {
  assertTestDatabase(TEST_DATABASE_URL);
  const config = loadSandboxConfig({
    SANDBOX_DATABASE_URL: TEST_DATABASE_URL,
    SANDBOX_DB_SCHEMA: schema,
    SANDBOX_WEBHOOK_RETRY_SCHEDULE: '300ms,600ms',
    SANDBOX_WEBHOOK_JITTER_PERCENT: '0',
    SANDBOX_WEBHOOK_TIMEOUT_MS: '1000',
    SANDBOX_WEBHOOK_POLL_MS: '50',
    LOG_LEVEL: 'error',
    ...env,
  });
  const database = SandboxDatabase.connect(databaseUrl, schema, 5);
  await database.migrate(WEBHOOK_MIGRATIONS);
  const root: DynamicModule = {
    module: SandboxWebhookTestRoot,
    imports: [
      SandboxCoreModule.register({ config, database, apiKey: SANDBOX_KEY, webhookSecret: SANDBOX_SECRET }),
      SandboxWebhooksModule,
    ],
  };
  const app = await NestFactory.create<NestFastifyApplication>(root, new FastifyAdapter(), {
    // Failures are expected here by design; their warnings would only bury real errors.
    logger: ['error'],
    abortOnError: false,
  });
  configureHttp(app);
  // Over a real socket: light-my-request (app.inject) cannot be loaded under Jest's CommonJS runtime.
  await app.listen(0, '127.0.0.1');
  const baseUrl = await app.getUrl();
  const outbox = app.get(WebhookOutbox);
  return {
    app,
    database,
    outbox,
    async send(drafts) {
      const ids = await database.transaction((tx) => outbox.enqueue(tx, drafts));
      outbox.wake();
      return ids;
    },
    async api<T>(method: string, path: string, body?: unknown, key: string | null = SANDBOX_KEY) {
      const response = await fetch(`${baseUrl}${path}`, {
        method,
        headers: {
          ...(key === null ? {} : { authorization: `Bearer ${key}` }),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
    },
    async close() {
      await app.close();
      await database.close();
    },
  };
}

export function draft(url: string, overrides: Partial<WebhookDraft> = {}): WebhookDraft {
  return {
    envelopeId: `env_${randomBytes(5).toString('hex')}`,
    url,
    type: 'envelope.sent',
    data: {},
    occurredAt: new Date(),
    ...overrides,
  };
}

export interface ReceivedWebhook {
  id: string;
  headers: IncomingHttpHeaders;
  rawBody: Buffer;
  at: number;
}

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  body?: string;
  /** Holds the answer back (to trigger the sender's timeout). */
  delayMs?: number;
}

/** A real HTTP receiver; `answer` decides each reply and may change during a test. */
export class Receiver {
  readonly received: ReceivedWebhook[] = [];
  answer: (request: ReceivedWebhook, seenBefore: number) => Reply = () => ({ status: 204 });
  url = '';
  private server?: Server;

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const id = String(req.headers['webhook-id']);
        const request: ReceivedWebhook = { id, headers: req.headers, rawBody: Buffer.concat(chunks), at: Date.now() };
        const seenBefore = this.received.filter((r) => r.id === id).length;
        this.received.push(request);
        const reply = this.answer(request, seenBefore);
        const respond = () => {
          if (res.destroyed) return;
          res.writeHead(reply.status, reply.headers);
          res.end(reply.body);
        };
        if (reply.delayMs) setTimeout(respond, reply.delayMs).unref();
        else respond();
      });
    });
    const server = this.server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const address = server.address();
    this.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/hook`;
    return this;
  }

  of(id: string): ReceivedWebhook[] {
    return this.received.filter((r) => r.id === id);
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

export interface AttemptView {
  attempt: number;
  started_at: string;
  duration_ms: number;
  outcome: string;
  status_code: number | null;
  response: string | null;
  error: string | null;
  duplicate: boolean;
}

export interface DeliveryView {
  id: string;
  envelope_id: string;
  type: string;
  url: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  next_attempt_at: string;
  created_at: string;
  delivered_at: string | null;
  last_error: string | null;
  body: unknown;
  attempt_log: AttemptView[];
}

/** Polls the delivery API until the message reaches `status` (and `attempts`, if given). */
export function waitForDelivery(
  sandbox: SandboxWebhookApp,
  id: string,
  status: DeliveryView['status'],
  { attempts, timeoutMs = 10_000 }: { attempts?: number; timeoutMs?: number } = {},
): Promise<DeliveryView> {
  return eventually(
    async () => {
      const reply = await sandbox.api<DeliveryView>('GET', `/v1/webhook-deliveries/${id}`);
      const view = reply.body;
      return view.status === status && (attempts === undefined || view.attempts === attempts) ? view : undefined;
    },
    { timeoutMs, intervalMs: 25, what: `${id} to be ${status}${attempts ? ` after ${attempts} attempts` : ''}` },
  );
}
