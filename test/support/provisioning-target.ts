import type { ServerResponse } from 'node:http';
import { RecordingServer, type ArrivedRequest } from './recording-server';

export interface ReceivedCall extends ArrivedRequest {
  body: { runId?: string; contractId?: string; kind?: string; [key: string]: unknown };
}

export interface ScriptedAnswer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  delayMs?: number;
  /** Answered only once this settles (after `delayMs`, if also set): holds a call in flight until the test says. */
  until?: Promise<unknown>;
}

/**
 * A service platform or warehouse system as SignBridge calls it, on a real node:http server. It keeps state the
 * way a well-behaved target would: one resource per `Idempotency-Key` (a repeat gets the same one back), and
 * reversal endpoints that disable or cancel it. A test scripts the first answers per contract (503, 400, 429…);
 * after the script it answers like the real thing.
 */
export class ProvisioningTarget {
  readonly calls: ReceivedCall[] = [];
  /** Resource id by Idempotency-Key, and each resource's state. */
  readonly created = new Map<string, string>();
  readonly state = new Map<string, 'active' | 'disabled' | 'cancelled'>();
  private readonly scripts = new Map<string, ScriptedAnswer[]>();
  private readonly server = new RecordingServer((request, res) => this.receive(request, res));
  private counter = 0;

  constructor(
    private readonly kind: 'accounts' | 'orders',
    private readonly defaultDelayMs = 0,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.server.port}`;
  }

  /** The first answers to calls about this contract, in order. */
  script(contractId: string, answers: ScriptedAnswer[]): void {
    this.scripts.set(contractId, [...answers]);
  }

  callsFor(contractId: string): ReceivedCall[] {
    return this.calls.filter((c) => c.body.contractId === contractId);
  }

  start(port = 0): Promise<void> {
    return this.server.start(port);
  }

  stop(): Promise<void> {
    return this.server.stop();
  }

  private receive(request: ArrivedRequest, res: ServerResponse): void {
    let body: ReceivedCall['body'] = {};
    try {
      body = JSON.parse(request.rawBody) as ReceivedCall['body'];
    } catch {
      // kept raw
    }
    const call = { ...request, body };
    this.calls.push(call);
    const scripted = body.contractId ? this.scripts.get(body.contractId)?.shift() : undefined;
    const answer = scripted ?? this.answer(call);
    setTimeout(() => {
      void Promise.resolve(answer.until).finally(() => {
        res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
        res.end(answer.body === undefined ? '' : JSON.stringify(answer.body));
      });
    }, answer.delayMs ?? this.defaultDelayMs);
  }

  private answer(call: ReceivedCall): ScriptedAnswer {
    const key = String(call.headers['idempotency-key'] ?? '');
    const collection = `/${this.kind}`;
    if (call.method === 'POST' && call.path === collection) {
      let id = this.created.get(key);
      if (!id) {
        id = `${this.kind === 'accounts' ? 'acc' : 'WO'}-${++this.counter}-${key.slice(0, 8)}`;
        this.created.set(key, id);
        this.state.set(id, 'active');
      }
      return { status: 201, body: this.kind === 'accounts' ? { accountId: id } : { orderNumber: id } };
    }
    const match = new RegExp(`^${collection}/([^/]+)/(disable|cancel)$`).exec(call.path);
    if (call.method === 'POST' && match && this.state.has(decodeURIComponent(match[1]))) {
      const id = decodeURIComponent(match[1]);
      this.state.set(id, match[2] === 'disable' ? 'disabled' : 'cancelled');
      return { status: 200, body: { id, status: this.state.get(id) } };
    }
    return { status: 404, body: { error: 'not found' } };
  }
}
