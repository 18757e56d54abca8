import { headerValue, httpCall, parseRetryAfter, SIGNATURE_HEADER, signatureHeader } from '@app/common';
import type { ProvisioningRequest } from '../actions/provisioning-action';

/** What a target answered; `status` 0 means no answer (refused, reset, timed out, DNS). */
export interface TargetAnswer {
  status: number;
  /** Parsed JSON when the body is JSON, else `{text}` (first 2 KB), null when empty or no answer. */
  body: unknown;
  retryAfterMs?: number;
  error?: string;
}

const MAX_TEXT = 2048;
/** A target's answer is an id or an order number; a body past this is cut there (then kept as text), not held. */
const MAX_ANSWER_BYTES = 1024 * 1024;

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
    // A redirect is not followed: its 3xx is the answer, and fails the run as any other 4xx-like refusal.
    const response = await httpCall({
      method: request.method,
      url: `${baseUrl}${request.path}`,
      headers,
      body,
      timeoutMs: options.timeoutMs,
      maxBodyBytes: MAX_ANSWER_BYTES,
      overflow: 'truncate',
    });
    return {
      status: response.status,
      body: parseBody(response.body.toString('utf8')),
      retryAfterMs: parseRetryAfter(headerValue(response.headers, 'retry-after'), Date.now()),
    };
  } catch (error) {
    return { status: 0, body: null, error: describe(error) };
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

/** HttpCallError's messages name the cause: `no answer within 5000 ms`, `connect ECONNREFUSED 127.0.0.1:4000`. */
function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
