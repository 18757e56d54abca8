import { Inject, Injectable, Logger, Module } from '@nestjs/common';
import { signStandardWebhook } from '@app/signature-providers';
import { SANDBOX_CONFIG, type SandboxConfig, type WebhookFaults } from '../config/sandbox-config';
import type { SandboxQueryable } from '../database/sandbox-database';
import { newId } from '../platform/ids';
import { SANDBOX_WEBHOOK_SECRET } from '../sandbox.tokens';
import { WebhookOutbox, type WebhookDraft } from './webhook-outbox';

/**
 * STAND-IN, replaced at merge by the persistent delivery engine: keeps messages in memory and POSTs each
 * once after wake(), signed like the real one. No retries, no delivery log, and a rolled-back
 * transaction's messages are not forgotten.
 */
@Injectable()
class InMemoryWebhookOutbox extends WebhookOutbox {
  private readonly logger = new Logger('Webhooks');
  private readonly pending = new Map<string, WebhookDraft>();

  constructor(
    @Inject(SANDBOX_CONFIG) private readonly config: SandboxConfig,
    @Inject(SANDBOX_WEBHOOK_SECRET) private readonly secret: string,
  ) {
    super();
  }

  async enqueue(_tx: SandboxQueryable, drafts: readonly WebhookDraft[]): Promise<string[]> {
    return drafts.map((draft) => {
      const id = newId('msg');
      this.pending.set(id, draft);
      return id;
    });
  }

  wake(): void {
    void this.deliverNow([...this.pending.keys()]);
  }

  async deliverNow(messageIds: readonly string[]): Promise<void> {
    await Promise.all(messageIds.map((id) => this.send(id)));
  }

  faults(): WebhookFaults {
    return this.config.faults;
  }

  private async send(id: string): Promise<void> {
    const draft = this.pending.get(id);
    if (!draft || !this.pending.delete(id)) return;
    const body = JSON.stringify({
      type: draft.type,
      timestamp: draft.occurredAt.toISOString(),
      data: { envelope_id: draft.envelopeId, ...draft.data },
    });
    const timestamp = Math.floor(Date.now() / 1000);
    const signature = signStandardWebhook({ secret: this.secret, id, timestamp, body });
    const headers = { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': `${timestamp}` };
    try {
      const response = await fetch(draft.url, {
        method: 'POST',
        headers: { ...headers, 'webhook-signature': signature },
        body,
        signal: AbortSignal.timeout(this.config.webhooks.timeoutMs),
      });
      await response.arrayBuffer();
    } catch (error) {
      this.logger.warn(`${draft.type} ${id} to ${draft.url} failed: ${(error as Error).message}`);
    }
  }
}

@Module({ providers: [{ provide: WebhookOutbox, useClass: InMemoryWebhookOutbox }], exports: [WebhookOutbox] })
export class SandboxWebhooksModule {}
