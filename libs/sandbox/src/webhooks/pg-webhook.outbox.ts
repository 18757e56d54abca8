import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { WebhookFaults } from '../config/sandbox-config';
import type { SqlStatement } from '@app/common';
import { WebhookDispatcher } from './webhook.dispatcher';
import { WebhookFaultsState } from './webhook-faults.state';
import { WebhookOutbox, type WebhookDraft } from './webhook-outbox';

/** `msg_` + 20 url-safe characters: never a '.', which Standard Webhooks forbids in an id. */
export function newWebhookMessageId(): string {
  return `msg_${randomBytes(15).toString('base64url')}`;
}

/** The body as it goes on the wire, built once so that every attempt (and its signature) carries the same bytes. */
export function webhookBody(draft: WebhookDraft): string {
  return JSON.stringify({
    type: draft.type,
    timestamp: draft.occurredAt.toISOString(),
    data: { envelope_id: draft.envelopeId, ...draft.data },
  });
}

/** The outbox on the sandbox's PostgreSQL: rows written in the caller's transaction, sent by the dispatcher. */
@Injectable()
export class PgWebhookOutbox extends WebhookOutbox {
  constructor(
    private readonly dispatcher: WebhookDispatcher,
    private readonly faultsState: WebhookFaultsState,
  ) {
    super();
  }

  enqueueStatement(drafts: readonly WebhookDraft[]): { statement: SqlStatement; ids: string[] } {
    const faults = this.faultsState.get();
    const ids = drafts.map(() => newWebhookMessageId());
    // Shuffle holds each first attempt back by its own random delay, so messages due together leave out of order.
    const holdMs = drafts.map(() => (faults.shuffle ? Math.floor(Math.random() * (faults.shuffleWindowMs + 1)) : 0));
    // unnest keeps the array order, so seq follows draft order.
    const statement = {
      text: `INSERT INTO webhook_messages (id, envelope_id, url, type, body, next_attempt_at)
             SELECT id, envelope_id, url, type, body, now() + make_interval(secs => hold_ms::double precision / 1000)
               FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int[])
                 AS d(id, envelope_id, url, type, body, hold_ms)`,
      values: [
        ids,
        drafts.map((d) => d.envelopeId),
        drafts.map((d) => d.url),
        drafts.map((d) => d.type),
        drafts.map(webhookBody),
        holdMs,
      ],
    };
    return { statement, ids };
  }

  wake(): void {
    this.dispatcher.wake();
  }

  deliverNow(messageIds: readonly string[]): Promise<void> {
    return this.dispatcher.deliverNow(messageIds);
  }

  faults(): WebhookFaults {
    return this.faultsState.get();
  }
}
