import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedWebhook {
  path: string;
  headers: IncomingHttpHeaders;
  rawBody: string;
  body: { id: string; type: string; aggregateId: string; [key: string]: unknown };
  at: number;
}

export interface ScriptedReply {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

/**
 * The ERP's webhook receiver, on a real node:http server: every call is recorded; each path answers from its
 * script first (503, 410…), then 200. Each endpoint of a test gets its own path.
 */
export class ErpReceiver {
  readonly calls: ReceivedWebhook[] = [];
  private readonly scripts = new Map<string, ScriptedReply[]>();
  private server?: Server;
  port = 0;

  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  script(path: string, replies: ScriptedReply[]): void {
    this.scripts.set(path, [...replies]);
  }

  /** The calls to `path` about `aggregateId`, in arrival order. */
  callsFor(path: string, aggregateId: string): ReceivedWebhook[] {
    return this.calls.filter((c) => c.path === path && c.body.aggregateId === aggregateId);
  }

  async start(): Promise<void> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const rawBody = Buffer.concat(chunks).toString('utf8');
        const path = req.url ?? '';
        this.calls.push({
          path,
          headers: req.headers,
          rawBody,
          body: JSON.parse(rawBody) as ReceivedWebhook['body'],
          at: Date.now(),
        });
        const reply = this.scripts.get(path)?.shift() ?? { status: 200, body: 'ok' };
        res.writeHead(reply.status, { 'content-type': 'text/plain', ...reply.headers });
        res.end(reply.body ?? '');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}
