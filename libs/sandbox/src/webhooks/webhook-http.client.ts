import { headerValue, httpCall, HttpCallError } from '@app/common';
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
  const timestamp = Math.floor(startedAt.getTime() / 1000);
  try {
    const response = await httpCall({
      method: 'POST',
      url: input.url,
      headers: {
        'content-type': 'application/json',
        'webhook-id': input.id,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': signStandardWebhook({ secret: input.secret, id: input.id, timestamp, body: input.body }),
        'user-agent': WEBHOOK_USER_AGENT,
      },
      body: input.body,
      timeoutMs: input.timeoutMs,
      // Enough to debug a receiver from the delivery log; a huge or endless answer is cut and costs nothing more.
      maxBodyBytes: RESPONSE_EXCERPT_BYTES,
      overflow: 'truncate',
      signal: input.signal,
    });
    // A receiver that redirects has not accepted the message (Svix and Standard Webhooks agree): 3xx fails, and
    // the redirect is not followed.
    const ok = response.status >= 200 && response.status < 300;
    const retryAfterMs =
      response.status === 429 || response.status === 503
        ? parseRetryAfter(headerValue(response.headers, 'retry-after'), new Date())
        : undefined;
    return {
      outcome: ok ? 'delivered' : 'http_error',
      startedAt,
      durationMs: elapsed(),
      statusCode: response.status,
      // A multi-byte character cut at the limit becomes U+FFFD rather than an error.
      response: response.body.length > 0 ? new TextDecoder('utf-8', { fatal: false }).decode(response.body) : null,
      error: ok ? null : `HTTP ${response.status}`,
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    };
  } catch (error) {
    if (error instanceof HttpCallError && error.kind === 'ABORTED') {
      throw new AttemptInterruptedError('attempt interrupted', { cause: error });
    }
    if (error instanceof HttpCallError && error.kind === 'TIMEOUT') {
      return failure('timeout', startedAt, elapsed(), `no response within ${input.timeoutMs} ms`);
    }
    return failure('network_error', startedAt, elapsed(), describe(error));
  }
}

function failure(outcome: AttemptOutcome, startedAt: Date, durationMs: number, error: string): AttemptResult {
  return { outcome, startedAt, durationMs, statusCode: null, response: null, error };
}

function describe(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).slice(0, 500);
}
