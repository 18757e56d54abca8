import type { ProvisioningRequest } from '../actions/provisioning-action';
import { parseRetryAfter } from './retry-policy';
import { SIGNATURE_HEADER, signatureHeader } from './signature';

/** What a target answered; `status` 0 means no answer (refused, reset, timed out, DNS). */
export interface TargetAnswer {
  status: number;
  /** Parsed JSON when the body is JSON, else `{text}` (first 2 KB), null when empty or no answer. */
  body: unknown;
  retryAfterMs?: number;
  error?: string;
}

const MAX_TEXT = 2048;

/** The exact bytes and headers of one call; exported so tests and docs show what a target receives. */
export function buildHttpRequest(
  request: ProvisioningRequest,
  options: { runId: string; secret: string; nowSeconds: number },
): { body: string; headers: Record<string, string> } {
  const body = JSON.stringify(request.body);
  return {
    body,
    headers: {
      'content-type': 'application/json',
      accept: 'application/json',
      'idempotency-key': options.runId,
      [SIGNATURE_HEADER.toLowerCase()]: signatureHeader(options.secret, body, options.nowSeconds),
      'user-agent': 'SignBridge-Provisioning/1',
    },
  };
}

/** One signed call with a deadline. Never throws: a network failure is an answer with status 0. */
export async function callTarget(
  baseUrl: string,
  request: ProvisioningRequest,
  options: { runId: string; secret: string; timeoutMs: number },
): Promise<TargetAnswer> {
  const { body, headers } = buildHttpRequest(request, { ...options, nowSeconds: Math.floor(Date.now() / 1000) });
  try {
    const response = await fetch(`${baseUrl}${request.path}`, {
      method: request.method,
      headers,
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    const text = await response.text();
    return {
      status: response.status,
      body: parseBody(text),
      retryAfterMs: parseRetryAfter(response.headers.get('retry-after'), Date.now()),
    };
  } catch (error) {
    return { status: 0, body: null, error: describe(error, options.timeoutMs) };
  }
}

function parseBody(text: string): unknown {
  if (text === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return { text: text.slice(0, MAX_TEXT) };
  }
}

/** Duck-typed, not `instanceof`: fetch's errors may come from another realm (undici's, or a test runner's). */
function describe(error: unknown, timeoutMs: number): string {
  const e = (typeof error === 'object' && error !== null ? error : {}) as {
    name?: string;
    message?: string;
    cause?: { code?: string; message?: string };
  };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return `no answer within ${timeoutMs} ms`;
  if (e.cause?.code) return e.cause.message ? `${e.cause.code}: ${e.cause.message}` : e.cause.code;
  return e.message ?? String(error);
}
