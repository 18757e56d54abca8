import type { SqlStatement } from '@app/common';
import type { WebhookFaults } from '../config/sandbox-config';
import type { SandboxQueryable } from '../database/sandbox-database';

/** Every webhook type the sandbox sends; SignBridge's `sandbox` ingress maps exactly these. */
export const SANDBOX_WEBHOOK_TYPES = [
  'envelope.sent',
  'envelope.delivered',
  'envelope.delivery_failed',
  'envelope.opened',
  'signer.signed',
  'signer.authentication_failed',
  'envelope.completed',
  'envelope.declined',
  'envelope.expired',
  'envelope.voided',
] as const;
export type SandboxWebhookType = (typeof SANDBOX_WEBHOOK_TYPES)[number];

/**
 * One webhook to send. The body on the wire is
 * `{"type": type, "timestamp": occurredAt (ISO 8601), "data": {"envelope_id": envelopeId, ...data}}`.
 */
export interface WebhookDraft {
  envelopeId: string;
  /** The envelope's `webhook_url`. */
  url: string;
  type: SandboxWebhookType;
  data: Record<string, unknown>;
  occurredAt: Date;
}

/**
 * The port between the platform (envelopes, signing) and webhook delivery. Messages are written in the
 * caller's transaction, so a webhook exists exactly when the change it reports was committed.
 */
export abstract class WebhookOutbox {
  /**
   * The insert of these messages, for the caller to send in its transaction (alone, or as a part of one statement),
   * and their ids (`msg_...`, the `webhook-id` header), in draft order.
   */
  abstract enqueueStatement(drafts: readonly WebhookDraft[]): { statement: SqlStatement; ids: string[] };

  /** Inside the caller's transaction. Returns the message ids, in draft order. */
  async enqueue(tx: SandboxQueryable, drafts: readonly WebhookDraft[]): Promise<string[]> {
    if (drafts.length === 0) return [];
    const { statement, ids } = this.enqueueStatement(drafts);
    await tx.query(statement.text, statement.values);
    return ids;
  }

  /** After the commit: deliver now instead of at the next poll. */
  abstract wake(): void;
  /** Attempts these messages now; resolves once each has had one attempt (whatever its outcome). */
  abstract deliverNow(messageIds: readonly string[]): Promise<void>;
  /** The faults switched on at this moment. */
  abstract faults(): WebhookFaults;
}
