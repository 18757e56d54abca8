import { signStandardWebhook } from '@app/signature-providers';
import { parseRetryAfter } from './webhook-retry.policy';

export const WEBHOOK_USER_AGENT = 'SignBridge-Sandbox-Webhooks/1';
/** Enough of a receiver's answer to debug it from the delivery log, without storing whole pages. */
export const RESPONSE_EXCERPT_BYTES = 1024;

export type AttemptOutcome = 'delivered' | 'http_error' | 'timeout' | 'network_error' | 'dropped';

export interface AttemptResult {
  outcome: AttemptOutcome;
  startedAt: Date;
  durationMs: number;
  statusCode: number | null;
  response: string | null;
  error: string | null;
  /** Set on 429/503 when the receiver sent a usable Retry-After. */
  retryAfterMs?: number;
}

export interface WebhookRequestInput {
  url: string;
  id: string;
  body: string;
  secret: string;
  timeoutMs: number;
  /** Aborts the attempt from outside (shutdown); reported as `interrupted`. */
  signal: AbortSignal;
}

/** Thrown when `signal` ended the attempt: the attempt never finished, so it is not recorded or counted. */
export class AttemptInterruptedError extends Error {}

/** One POST with Standard Webhooks headers; never throws for anything the receiver or the network does. */
export async function postWebhook(input: WebhookRequestInput): Promise<AttemptResult> {
  const startedAt = new Date();
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const timeout = AbortSignal.timeout(input.timeoutMs);
  const timestamp = Math.floor(startedAt.getTime() / 1000);
  try {
    const response = await fetch(input.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'webhook-id': input.id,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': signStandardWebhook({ secret: input.secret, id: input.id, timestamp, body: input.body }),
        'user-agent': WEBHOOK_USER_AGENT,
      },
      body: input.body,
      // A receiver that redirects has not accepted the message (Svix and Standard Webhooks agree): 3xx fails.
      redirect: 'manual',
      signal: AbortSignal.any([timeout, input.signal]),
    });
    const excerpt = await readExcerpt(response);
    const ok = response.status >= 200 && response.status < 300;
    const retryAfterMs =
      response.status === 429 || response.status === 503
        ? parseRetryAfter(response.headers.get('retry-after'), new Date())
        : undefined;
    return {
      outcome: ok ? 'delivered' : 'http_error',
      startedAt,
      durationMs: elapsed(),
      statusCode: response.status,
      response: excerpt,
      error: ok ? null : `HTTP ${response.status}`,
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    };
  } catch (error) {
    if (input.signal.aborted) throw new AttemptInterruptedError('attempt interrupted', { cause: error });
    if (timeout.aborted) {
      return failure('timeout', startedAt, elapsed(), `no response within ${input.timeoutMs} ms`);
    }
    return failure('network_error', startedAt, elapsed(), describe(error));
  }
}

function failure(outcome: AttemptOutcome, startedAt: Date, durationMs: number, error: string): AttemptResult {
  return { outcome, startedAt, durationMs, statusCode: null, response: null, error };
}

/** Reads at most RESPONSE_EXCERPT_BYTES and drops the rest, so a huge or endless answer costs nothing. */
async function readExcerpt(response: Response): Promise<string | null> {
  if (!response.body) return null;
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < RESPONSE_EXCERPT_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  if (size === 0) return null;
  const bytes = Buffer.concat(chunks).subarray(0, RESPONSE_EXCERPT_BYTES);
  // A multi-byte character cut at the limit becomes U+FFFD rather than an error.
  return new TextDecoder('utf-8', { fatal: false }).decode(bytes);
}

/**
 * undici hides the useful part (ECONNREFUSED, ENOTFOUND) in `cause`. Duck-typed: fetch's errors may come from
 * another realm (Jest's sandbox), where instanceof Error is false.
 */
function describe(error: unknown): string {
  const { message, cause } = (error ?? {}) as { message?: unknown; cause?: { code?: unknown; message?: unknown } };
  if (typeof message !== 'string') return String(error).slice(0, 500);
  const code = typeof cause?.code === 'string' ? `${cause.code} ` : '';
  const detail = typeof cause?.message === 'string' ? `: ${code}${cause.message}` : '';
  return `${message}${detail}`.slice(0, 500);
}
