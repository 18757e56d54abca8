import type { ServerResponse } from 'node:http';
import { RecordingServer, type ArrivedRequest } from './recording-server';

export interface ReceivedWebhook extends ArrivedRequest {
  body: { id: string; type: string; aggregateId: string; [key: string]: unknown };
}

export interface ScriptedReply {
  status: number;
  headers?: Record<string, string>;
  body?: string;
  /** Answer only after this long: a slow ERP. */
  delayMs?: number;
}

/**
 * The ERP's webhook receiver, on a real node:http server: every call is recorded; each path answers from its
 * script first (503, 410…), then 200. Each endpoint of a test gets its own path.
 */
export class ErpReceiver {
  readonly calls: ReceivedWebhook[] = [];
  private readonly scripts = new Map<string, ScriptedReply[]>();
  private readonly inFlight = new Map<string, number>();
  private readonly mostInFlight = new Map<string, number>();
  private readonly server = new RecordingServer((request, res) => this.receive(request, res));

  url(path: string): string {
    return `http://127.0.0.1:${this.server.port}${path}`;
  }

  script(path: string, replies: ScriptedReply[]): void {
    this.scripts.set(path, [...replies]);
  }

  /** The calls to `path` about `aggregateId`, in arrival order. */
  callsFor(path: string, aggregateId: string): ReceivedWebhook[] {
    return this.calls.filter((c) => c.path === path && c.body.aggregateId === aggregateId);
  }

  /** The most calls to `path` that were under way at one moment. */
  peakInFlight(path: string): number {
    return this.mostInFlight.get(path) ?? 0;
  }

  start(): Promise<void> {
    return this.server.start();
  }

  stop(): Promise<void> {
    return this.server.stop();
  }

  private receive(request: ArrivedRequest, res: ServerResponse): void {
    this.calls.push({ ...request, body: JSON.parse(request.rawBody) as ReceivedWebhook['body'] });
    const reply = this.scripts.get(request.path)?.shift() ?? { status: 200, body: 'ok' };
    const now = (this.inFlight.get(request.path) ?? 0) + 1;
    this.inFlight.set(request.path, now);
    this.mostInFlight.set(request.path, Math.max(now, this.mostInFlight.get(request.path) ?? 0));
    const answer = () => {
      this.inFlight.set(request.path, (this.inFlight.get(request.path) ?? 1) - 1);
      res.writeHead(reply.status, { 'content-type': 'text/plain', ...reply.headers });
      res.end(reply.body ?? '');
    };
    if (reply.delayMs) setTimeout(answer, reply.delayMs);
    else answer();
  }
}
