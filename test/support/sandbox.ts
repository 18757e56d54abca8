import { randomBytes } from 'node:crypto';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { loadSandboxConfig, prepareSandboxRuntime, startSandbox } from '@app/sandbox';
import { TEST_SANDBOX_API_KEY, TEST_SECRET } from './test-app';
import { TEST_DATABASE_URL } from './test-env';

export interface TestSandbox {
  url: string;
  schema: string;
  /** The sandbox's own API (`/v1/...`) with its key. */
  api<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: T; headers: Headers }>;
  close(): Promise<void>;
}

/**
 * The real sandbox platform, in this process, on the test database in a schema of its own; webhooks are signed
 * with the secret the test SignBridge accepts, and retried on a schedule of (milli)seconds.
 */
export async function startTestSandbox(env: Record<string, string> = {}): Promise<TestSandbox> {
  const schema = `sbx_${randomBytes(6).toString('hex')}`;
  const config = loadSandboxConfig({
    SANDBOX_DATABASE_URL: TEST_DATABASE_URL,
    SANDBOX_DB_SCHEMA: schema,
    SANDBOX_PORT: '0',
    SANDBOX_API_KEY: TEST_SANDBOX_API_KEY,
    SANDBOX_WEBHOOK_SECRET: TEST_SECRET,
    SANDBOX_WEBHOOK_RETRY_SCHEDULE: '300ms,600ms,1s,2s,3s,5s',
    SANDBOX_WEBHOOK_JITTER_PERCENT: '0',
    SANDBOX_WEBHOOK_POLL_MS: '100',
    SANDBOX_WEBHOOK_TIMEOUT_MS: '3000',
    SANDBOX_EXPIRY_CHECK_MS: '200',
    LOG_LEVEL: 'error',
    ...env,
  });
  const runtime = await prepareSandboxRuntime(config);
  const started = await startSandbox(runtime);
  const url = started.url;
  return {
    url,
    schema,
    api: async <T>(method: string, path: string, body?: unknown) => {
      const response = await fetch(`${url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${TEST_SANDBOX_API_KEY}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T, headers: response.headers };
    },
    close: async () => {
      await started.close();
      // The schema was this sandbox's alone: dropped, so runs do not pile schemas up in the test database.
      await runtime.database.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await runtime.stop();
    },
  };
}

/** A small real PDF (pages of text), base64, as an ERP would upload it. */
export async function samplePdfBase64(title = 'Service agreement', pages = 2): Promise<string> {
  const pdf = await PDFDocument.create();
  const font = await pdf.embedFont(StandardFonts.Helvetica);
  for (let i = 1; i <= pages; i++) {
    const page = pdf.addPage([595, 842]);
    page.drawText(`${title} - page ${i} of ${pages}`, { x: 50, y: 780, size: 16, font });
    page.drawText('The customer agrees to the terms of service.', { x: 50, y: 740, size: 11, font });
  }
  return Buffer.from(await pdf.save()).toString('base64');
}

export interface MailboxMessage {
  id: string;
  to: string;
  subject: string;
  text: string;
  code: string | null;
  kind: string;
  envelope_id: string | null;
  created_at: string;
}

/** The signer's inbox at the sandbox, newest first. */
export async function mailbox(sandboxUrl: string, to: string): Promise<MailboxMessage[]> {
  const response = await fetch(`${sandboxUrl}/v1/mailbox?to=${encodeURIComponent(to)}`);
  if (!response.ok) throw new Error(`mailbox: ${response.status}`);
  return (await response.json()) as MailboxMessage[];
}

/** What a person does on the signing page, as plain form posts: open, (get a code,) consent and sign. */
export async function signOnPage(
  sandboxUrl: string,
  signingUrl: string,
  signer: { email: string },
  level: 'simple' | 'advanced' | 'qualified',
  options: { code?: string } = {},
): Promise<Response> {
  const page = await fetch(signingUrl, { headers: { 'user-agent': 'SignBridge e2e (fetch)' } });
  if (!page.ok) throw new Error(`signing page: ${page.status}`);
  const html = await page.text();
  const form: Record<string, string> = { consent: 'on' };
  if (level === 'advanced') {
    const sent = await fetch(`${signingUrl}/otp`, { method: 'POST', redirect: 'manual' });
    if (sent.status >= 400) throw new Error(`send code: ${sent.status}`);
    form.code = options.code ?? (await mailbox(sandboxUrl, signer.email)).find((m) => m.code)?.code ?? '';
  }
  if (level === 'qualified') form.certificate = /<option value="([^"]+)"/.exec(html)?.[1] ?? '';
  return fetch(`${signingUrl}/sign`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'SignBridge e2e (fetch)' },
    body: new URLSearchParams(form).toString(),
  });
}
