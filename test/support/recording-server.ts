import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request as it arrived, its body read whole. */
export interface ArrivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  rawBody: string;
  at: number;
}

/**
 * A node:http server on 127.0.0.1 for tests that play the other side of SignBridge's calls (a provisioning target,
 * the ERP): each request's body is read whole, then `reply` answers it.
 */
export class RecordingServer {
  private server?: Server;
  port = 0;

  constructor(private readonly reply: (request: ArrivedRequest, res: ServerResponse) => void) {}

  async start(port = 0): Promise<void> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const rawBody = Buffer.concat(chunks).toString('utf8');
        this.reply(
          { method: req.method ?? '', path: req.url ?? '', headers: req.headers, rawBody, at: Date.now() },
          res,
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
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
