import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';

/** One outgoing HTTP exchange. Redirects are never followed: a 3xx is an answer like any other. */
export interface HttpCall {
  method: string;
  /** Absolute `http:` or `https:` URL. */
  url: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Deadline for the whole exchange, from the first byte sent to the last byte of the answer read. */
  timeoutMs: number;
  /**
   * How much of the answer's body is kept. `truncate`: the rest is dropped and the connection closed, which a
   * delivery log wants (an excerpt of a page that may be endless); `fail`: the call fails with `TOO_LARGE`.
   */
  maxBodyBytes: number;
  overflow?: 'truncate' | 'fail';
  /** Ends the call from outside (a shutdown); reported as `ABORTED`. */
  signal?: AbortSignal;
}

export interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** The body went past `maxBodyBytes` and was cut there (`overflow: 'truncate'`). */
  truncated: boolean;
}

export type HttpFailure = 'TIMEOUT' | 'NETWORK' | 'ABORTED' | 'TOO_LARGE';

/** No answer: `kind` says why, `code` is the system's (ECONNREFUSED, ENOTFOUND...) for a network failure. */
export class HttpCallError extends Error {
  constructor(
    readonly kind: HttpFailure,
    message: string,
    readonly code?: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'HttpCallError';
  }
}

/**
 * Kept-alive connections, closed after 4 s idle or sooner if the server announces a shorter `Keep-Alive: timeout`:
 * a server closes idle connections itself (Node's after 5 s), and a request sent on one it has just closed fails.
 */
const agents = {
  'http:': new http.Agent({ keepAlive: true, timeout: 4_000 }),
  'https:': new https.Agent({ keepAlive: true, timeout: 4_000 }),
};

/**
 * One request with node:http (undici's `fetch` costs about twice the CPU per call: web streams, abort signals and
 * a copied request object for a body read whole anyway). A request that fails with ECONNRESET or EPIPE on a
 * reused connection before any answer is sent once more on a new one: the server had closed the idle connection
 * as the request left, so it never received it (the pattern Node's documentation gives for keep-alive agents).
 */
export async function httpCall(call: HttpCall): Promise<HttpAnswer> {
  const deadline = Date.now() + call.timeoutMs;
  try {
    return await exchange(call, deadline);
  } catch (error) {
    if (!(error instanceof StaleConnection)) throw error;
    return exchange(call, deadline, false);
  }
}

/** A kept-alive connection the server had closed: nothing was answered, so the request can go again. */
class StaleConnection extends Error {}

function exchange(call: HttpCall, deadline: number, mayRetry = true): Promise<HttpAnswer> {
  let url: URL;
  try {
    url = new URL(call.url);
  } catch (error) {
    return Promise.reject(new HttpCallError('NETWORK', `not a URL: ${call.url}`, undefined, { cause: error }));
  }
  const agent = url.protocol === 'https:' ? agents['https:'] : url.protocol === 'http:' ? agents['http:'] : null;
  if (!agent) return Promise.reject(new HttpCallError('NETWORK', `unsupported protocol ${url.protocol}`));
  if (call.signal?.aborted) return Promise.reject(new HttpCallError('ABORTED', 'aborted before sending'));
  const send = url.protocol === 'https:' ? https.request : http.request;
  const body = call.body === undefined ? undefined : Buffer.from(call.body);

  return new Promise<HttpAnswer>((resolve, reject) => {
    let settled = false;
    let answered = false;
    const request = send(url, {
      method: call.method,
      agent,
      headers: { ...call.headers, ...(body ? { 'content-length': String(body.length) } : {}) },
    });
    const finish = (outcome: () => void, destroy?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      call.signal?.removeEventListener('abort', onAbort);
      if (destroy) request.destroy(destroy);
      outcome();
    };
    const fail = (error: HttpCallError) => finish(() => reject(error), error);
    const timer = setTimeout(
      () => fail(new HttpCallError('TIMEOUT', `no answer within ${call.timeoutMs} ms`)),
      Math.max(0, deadline - Date.now()),
    );
    const onAbort = () => fail(new HttpCallError('ABORTED', 'aborted'));
    call.signal?.addEventListener('abort', onAbort, { once: true });

    request.on('error', (error: NodeJS.ErrnoException) => {
      if (settled) return;
      const stale = mayRetry && request.reusedSocket && !answered && isResetCode(error.code);
      finish(() =>
        reject(
          stale
            ? new StaleConnection(error.message)
            : new HttpCallError('NETWORK', describeNetworkError(error), error.code, { cause: error }),
        ),
      );
    });
    request.on('response', (response: IncomingMessage) => {
      answered = true;
      read(response, call, (result) => {
        if (result instanceof HttpCallError) fail(result);
        else if (result.truncated) finish(() => resolve(result), new Error('answer truncated'));
        else finish(() => resolve(result));
      });
    });
    request.end(body);
  });
}

function read(response: IncomingMessage, call: HttpCall, done: (result: HttpAnswer | HttpCallError) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  const answer = (truncated: boolean): HttpAnswer => ({
    status: response.statusCode ?? 0,
    headers: response.headers,
    body: chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, Math.min(size, call.maxBodyBytes)),
    truncated,
  });
  response.on('data', (chunk: Buffer) => {
    if (size + chunk.length <= call.maxBodyBytes) {
      chunks.push(chunk);
      size += chunk.length;
      return;
    }
    response.removeAllListeners('data');
    response.removeAllListeners('end');
    if (call.overflow === 'truncate') {
      chunks.push(chunk.subarray(0, call.maxBodyBytes - size));
      size = call.maxBodyBytes;
      done(answer(true));
    } else {
      done(new HttpCallError('TOO_LARGE', `the answer is larger than ${call.maxBodyBytes} bytes`));
    }
  });
  response.on('end', () => done(answer(false)));
  response.on('error', (error: NodeJS.ErrnoException) =>
    done(new HttpCallError('NETWORK', describeNetworkError(error), error.code, { cause: error })),
  );
}

function isResetCode(code: string | undefined): boolean {
  return code === 'ECONNRESET' || code === 'EPIPE';
}

function describeNetworkError(error: NodeJS.ErrnoException): string {
  const message = error.message || String(error);
  return error.code && !message.includes(error.code) ? `${error.code}: ${message}` : message;
}

/** A header's single value (Node joins repeated ones, or gives an array for set-cookie). */
export function headerValue(headers: IncomingHttpHeaders, name: string): string | null {
  const value = headers[name.toLowerCase()];
  if (value === undefined) return null;
  return Array.isArray(value) ? (value[0] ?? null) : value;
}
