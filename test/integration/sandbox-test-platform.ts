import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PDFDocument } from 'pdf-lib';
import { parseWebhookSecret, verifyStandardWebhook } from '@app/signature-providers';
import { eventually } from '../support/eventually';
import { startTestSandbox, type TestSandbox } from '../support/sandbox';
import { TEST_SANDBOX_API_KEY, TEST_SECRET } from '../support/test-app';

export { eventually };

// One sandbox starter for every tier: test/support/sandbox.ts. These names keep the sandbox tests readable.
export const SANDBOX_TEST_KEY = TEST_SANDBOX_API_KEY;
export const SANDBOX_TEST_SECRET = TEST_SECRET;
export { startTestSandbox, type TestSandbox };

export interface ReceivedWebhook {
  id: string;
  verified: boolean;
  verification: string;
  headers: IncomingHttpHeaders;
  body: { type: string; timestamp: string; data: { envelope_id: string; [key: string]: unknown } };
}

/** A real HTTP endpoint standing in for SignBridge: records every POST and checks its Standard Webhooks signature. */
export class WebhookReceiver {
  private constructor(
    private readonly server: Server,
    readonly url: string,
    readonly received: ReceivedWebhook[],
  ) {}

  static async start(secret = SANDBOX_TEST_SECRET): Promise<WebhookReceiver> {
    const key = parseWebhookSecret(secret);
    const received: ReceivedWebhook[] = [];
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const rawBody = Buffer.concat(chunks);
        const result = verifyStandardWebhook({
          headers: request.headers as Record<string, string | string[] | undefined>,
          rawBody,
          secrets: [key],
          now: new Date(),
          toleranceSeconds: 300,
        });
        received.push({
          id: String(request.headers['webhook-id']),
          verified: result.ok,
          verification: result.ok ? 'ok' : `${result.reason}: ${result.detail}`,
          headers: request.headers,
          body: JSON.parse(rawBody.toString('utf8')) as ReceivedWebhook['body'],
        });
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/sandbox`;
    return new WebhookReceiver(server, url, received);
  }

  of(envelopeId: string, type?: string): ReceivedWebhook[] {
    return this.received.filter(
      (w) => w.body.data.envelope_id === envelopeId && (type === undefined || w.body.type === type),
    );
  }

  /** Waits until `count` webhooks of this type arrived for the envelope (in any order relative to others). */
  waitFor(envelopeId: string, type: string, count = 1): Promise<ReceivedWebhook[]> {
    return eventually(async () => (this.of(envelopeId, type).length >= count ? this.of(envelopeId, type) : undefined), {
      what: `${count} × ${type} for ${envelopeId}`,
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

export async function testPdf(pages = 1): Promise<Buffer> {
  const pdf = await PDFDocument.create();
  for (let i = 0; i < pages; i++) pdf.addPage().drawText(`Contract page ${i + 1}`, { x: 50, y: 700 });
  return Buffer.from(await pdf.save());
}

export interface Problem {
  status: number;
  code: string;
  detail: string;
  fields?: { field: string; problem: string }[];
}

export interface Json<T> {
  status: number;
  headers: Headers;
  body: T;
}

/** One HTTP call with the sandbox API key (or another, or none with key: null). */
export async function call<T = Problem>(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  options: { key?: string | null; headers?: Record<string, string> } = {},
): Promise<Json<T>> {
  const headers: Record<string, string> = { ...options.headers };
  const key = options.key === undefined ? SANDBOX_TEST_KEY : options.key;
  if (key !== null) headers.authorization = `Bearer ${key}`;
  let payload: string | FormData | undefined;
  if (body instanceof FormData) payload = body;
  else if (body !== undefined) {
    headers['content-type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  const response = await fetch(`${base}${path}`, { method, headers, body: payload });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: (text ? JSON.parse(text) : undefined) as T };
}

let counter = 0;
/** Fresh, unique addresses per test: tests isolate by new data, never by truncating. */
export function address(name: string, domain = 'example.com'): string {
  counter += 1;
  return `${name.toLowerCase()}-${randomBytes(4).toString('hex')}-${counter}@${domain}`;
}
