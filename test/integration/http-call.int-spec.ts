import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer, type Socket } from 'node:net';
import { httpCall, HttpCallError } from '@app/common';

/** What a server saw of one request: enough to tell connections apart and compare the bytes sent. */
interface Seen {
  method: string;
  url: string;
  port: number;
  headers: IncomingMessage['headers'];
  body: string;
}

/** The outgoing HTTP client every adapter uses (provider API, provisioning targets, the sandbox's webhooks). */
describe('httpCall', () => {
  const seen: Seen[] = [];
  let answer: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.end('ok');
  let server: Server;
  let base: string;

  beforeAll(async () => {
    server = createHttpServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (body += chunk));
      req.on('end', () => {
        seen.push({
          method: req.method ?? '',
          url: req.url ?? '',
          port: req.socket.remotePort ?? 0,
          headers: req.headers,
          body,
        });
        answer(req, res);
      });
    });
    base = await listen(server);
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    seen.length = 0;
    answer = (_req, res) => res.end('ok');
  });

  it('sends the method, headers and exact body, and returns status, headers and body', async () => {
    answer = (_req, res) => {
      res.writeHead(201, { 'content-type': 'application/json', 'x-thing': 'a' });
      res.end('{"id":"acct_1"}');
    };
    const body = JSON.stringify({ name: 'Zoë', plan: 'pro' });
    const result = await httpCall({
      method: 'POST',
      url: `${base}/accounts?x=1`,
      headers: { 'content-type': 'application/json', 'idempotency-key': 'run-1' },
      body,
      timeoutMs: 2000,
      maxBodyBytes: 1024,
    });
    expect(result.status).toBe(201);
    expect(result.headers['x-thing']).toBe('a');
    expect(result.body.toString()).toBe('{"id":"acct_1"}');
    expect(result.truncated).toBe(false);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ method: 'POST', url: '/accounts?x=1', body });
    expect(seen[0].headers['idempotency-key']).toBe('run-1');
    expect(seen[0].headers['content-length']).toBe(String(Buffer.byteLength(body)));
  });

  it('keeps the connection alive between calls', async () => {
    for (let i = 0; i < 3; i++) await httpCall({ method: 'GET', url: `${base}/x`, timeoutMs: 2000, maxBodyBytes: 100 });
    expect(seen).toHaveLength(3);
    expect(new Set(seen.map((s) => s.port)).size).toBe(1);
  });

  it('does not follow a redirect: the 3xx is the answer', async () => {
    answer = (_req, res) => {
      res.writeHead(302, { location: 'http://elsewhere.invalid/' });
      res.end();
    };
    const result = await httpCall({ method: 'GET', url: `${base}/doc`, timeoutMs: 2000, maxBodyBytes: 100 });
    expect(result.status).toBe(302);
    expect(result.headers.location).toBe('http://elsewhere.invalid/');
    expect(seen).toHaveLength(1);
  });

  it('fails with TIMEOUT when the whole exchange takes longer than its deadline', async () => {
    answer = (_req, res) => {
      res.writeHead(200);
      res.write('slow start');
      setTimeout(() => res.end(), 1000).unref();
    };
    const started = Date.now();
    const error = await httpCall({ method: 'GET', url: `${base}/slow`, timeoutMs: 150, maxBodyBytes: 100 }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(HttpCallError);
    expect(error).toMatchObject({ kind: 'TIMEOUT', message: 'no answer within 150 ms' });
    expect(Date.now() - started).toBeLessThan(900);
  });

  it('refuses an answer past maxBodyBytes, or cuts it there when asked to', async () => {
    answer = (_req, res) => res.end('x'.repeat(5000));
    await expect(
      httpCall({ method: 'GET', url: `${base}/big`, timeoutMs: 2000, maxBodyBytes: 1000 }),
    ).rejects.toMatchObject({ kind: 'TOO_LARGE' });
    const cut = await httpCall({
      method: 'GET',
      url: `${base}/big`,
      timeoutMs: 2000,
      maxBodyBytes: 1000,
      overflow: 'truncate',
    });
    expect(cut.status).toBe(200);
    expect(cut.truncated).toBe(true);
    expect(cut.body.toString()).toBe('x'.repeat(1000));
  });

  it('fails with NETWORK and the system code when nothing listens', async () => {
    const closed = createHttpServer();
    const url = await listen(closed);
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await expect(httpCall({ method: 'GET', url, timeoutMs: 2000, maxBodyBytes: 100 })).rejects.toMatchObject({
      kind: 'NETWORK',
      code: 'ECONNREFUSED',
      message: expect.stringMatching(/ECONNREFUSED/),
    });
  });

  it('fails with ABORTED when its signal ends it', async () => {
    answer = (_req, res) => setTimeout(() => res.end('late'), 1000).unref();
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    await expect(
      httpCall({ method: 'GET', url: `${base}/wait`, timeoutMs: 5000, maxBodyBytes: 100, signal: controller.signal }),
    ).rejects.toMatchObject({ kind: 'ABORTED' });
  });

  it('rejects what is not an http(s) URL', async () => {
    await expect(
      httpCall({ method: 'GET', url: 'ftp://127.0.0.1/x', timeoutMs: 1000, maxBodyBytes: 10 }),
    ).rejects.toMatchObject({ kind: 'NETWORK' });
    await expect(
      httpCall({ method: 'GET', url: 'not a url', timeoutMs: 1000, maxBodyBytes: 10 }),
    ).rejects.toMatchObject({ kind: 'NETWORK' });
  });
});

/**
 * A server that closes a kept-alive connection as the next request arrives on it (what a server does when its idle
 * timeout and the request cross): that request was never read, so the client sends it once more on a new one.
 */
describe('httpCall on a connection the server has dropped', () => {
  let server: TcpServer;
  let base: string;
  let connections = 0;
  let answered = 0;
  /** How many requests each connection answers before it resets the next one. */
  let answersPerConnection = 1;

  beforeAll(async () => {
    server = createTcpServer((socket: Socket) => {
      connections += 1;
      let served = 0;
      let buffer = '';
      socket.on('data', (data: Buffer) => {
        buffer += data.toString('latin1');
        while (buffer.includes('\r\n\r\n')) {
          buffer = buffer.slice(buffer.indexOf('\r\n\r\n') + 4);
          if (served >= answersPerConnection) {
            socket.resetAndDestroy();
            return;
          }
          served += 1;
          answered += 1;
          socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok');
        }
      });
      socket.on('error', () => undefined);
    });
    base = await listen(server);
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('sends the request again on a new connection, once', async () => {
    answersPerConnection = 1;
    const first = await httpCall({ method: 'GET', url: `${base}/a`, timeoutMs: 2000, maxBodyBytes: 10 });
    const second = await httpCall({ method: 'GET', url: `${base}/b`, timeoutMs: 2000, maxBodyBytes: 10 });
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(answered).toBe(2);
    expect(connections).toBe(2);
  });

  it('sends it again only once, and never after a reset on a new connection (the server may have read it)', async () => {
    answersPerConnection = 0;
    const before = connections;
    await expect(
      httpCall({ method: 'GET', url: `${base}/c`, timeoutMs: 2000, maxBodyBytes: 10 }),
    ).rejects.toMatchObject({ kind: 'NETWORK', code: 'ECONNRESET' });
    // The kept-alive connection of the test above is reset, then one new connection, reset too: no third try.
    expect(connections).toBe(before + 1);
  });
});

async function listen(server: Server | TcpServer): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}
