import { randomBytes, randomUUID } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { loadConfig, prepareRuntime, PublicAddress } from '@app/common';
import { signStandardWebhook } from '@app/signature-providers';
import { createApp } from '../../apps/api/src/create-app';
import { eventually } from './eventually';
import { deleteRedisKeys } from './redis-keys';
import { TEST_DATABASE_URL, TEST_REDIS_URL } from './test-env';

export { eventually };

export const TEST_SECRET = `whsec_${Buffer.from('signbridge-test-secret-0123456789').toString('base64')}`;
export const TEST_ADMIN_KEY = 'sb_test_admin_key_0123456789abcdef';
export const TEST_SANDBOX_API_KEY = 'sbx_test_sandbox_key_0123456789';

export interface TestApp {
  app: NestFastifyApplication;
  url: string;
  queuePrefix: string;
  close(): Promise<void>;
}

/**
 * Boots the real app (same createApp as production) against the test database; `redis: true` uses BullMQ
 * on the local Redis under a prefix of its own, otherwise the in-process driver. Sweeps are fast here.
 */
export async function startTestApp(
  options: { redis?: boolean; env?: Record<string, string>; port?: number } = {},
): Promise<TestApp> {
  const queuePrefix = `sbtest-${randomUUID().slice(0, 8)}`;
  const env: Record<string, string> = {
    DATABASE_URL: TEST_DATABASE_URL,
    SANDBOX_WEBHOOK_SECRETS: TEST_SECRET,
    SANDBOX_API_KEY: TEST_SANDBOX_API_KEY,
    SIGNBRIDGE_ADMIN_API_KEY: TEST_ADMIN_KEY,
    MIGRATIONS_RUN: 'false',
    LOG_LEVEL: 'error',
    SWEEP_INTERVAL_MS: '200',
    // Long: the test database is shared by files running in parallel, and a sweeper with a short grace would
    // take rows another test is watching. The crash test's worker sets its own.
    SWEEP_GRACE_MS: '600000',
    JOB_BACKOFF_MS: '50',
    // Every test app the same: a delivery to a test's endpoint may be fanned out and run by another file's app.
    ERP_WEBHOOK_RETRY_SCHEDULE: '100ms,200ms,300ms',
    ERP_WEBHOOK_CIRCUIT_COOLDOWN: '300ms',
    QUEUE_PREFIX: queuePrefix,
    DB_POOL_SIZE: '10',
    ...(options.redis ? { REDIS_URL: TEST_REDIS_URL } : {}),
    ...options.env,
  };
  const runtime = await prepareRuntime(loadConfig(env));
  const app = await createApp(runtime);
  await app.listen(options.port ?? 0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  app.get(PublicAddress).listening(url);
  const close = async () => {
    await app.close();
    // Worker processes a test started on this prefix are stopped before the app, so nothing writes to it any more.
    if (options.redis) await deleteRedisKeys(`${queuePrefix}:*`);
  };
  return { app, url, queuePrefix, close };
}

export interface WebhookDelivery {
  id: string;
  body: string;
  headers: Record<string, string>;
}

/** A signed Standard Webhooks delivery, as the sandbox platform sends it. */
export function signedDelivery(
  payload: unknown,
  options: { id?: string; timestamp?: number; secret?: string } = {},
): WebhookDelivery {
  const id = options.id ?? `msg_${randomBytes(12).toString('hex')}`;
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
  const signature = signStandardWebhook({ secret: options.secret ?? TEST_SECRET, id, timestamp, body });
  return {
    id,
    body,
    headers: {
      'content-type': 'application/json',
      'webhook-id': id,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signature,
    },
  };
}

export async function postWebhook(url: string, delivery: WebhookDelivery, provider = 'sandbox'): Promise<Response> {
  return fetch(`${url}/webhooks/${provider}`, { method: 'POST', headers: delivery.headers, body: delivery.body });
}

export async function api<T = unknown>(
  url: string,
  method: string,
  path: string,
  body?: unknown,
  key = TEST_ADMIN_KEY,
): Promise<{ status: number; body: T; headers: Headers }> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T, headers: response.headers };
}

/** Polls a resource until its `status` is the one wanted; returns its body. */
export async function waitForStatus<T extends { status: string }>(
  url: string,
  path: string,
  status: string,
  timeoutMs = 15_000,
): Promise<T> {
  return eventually(
    async () => {
      const res = await api<T>(url, 'GET', path);
      return res.body.status === status ? res.body : undefined;
    },
    { timeoutMs, what: `${path} to be ${status}` },
  );
}
