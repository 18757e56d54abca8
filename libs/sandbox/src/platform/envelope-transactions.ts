import { Injectable } from '@nestjs/common';
import { SandboxDatabase, type SandboxQueryable } from '../database/sandbox-database';
import type { MailKind } from '../envelopes/envelope.types';
import { WebhookOutbox, type SandboxWebhookType, type WebhookDraft } from '../webhooks/webhook-outbox';
import { newId } from './ids';

/** Who caused a change: a person on the signing page (IP, user agent), or `simulate` standing in for one. */
export interface Actor {
  ip: string | null;
  userAgent: string | null;
  simulated: boolean;
}

export const SYSTEM: Actor = { ip: null, userAgent: null, simulated: false };

export interface MailDraft {
  to: string;
  subject: string;
  text: string;
  kind: MailKind;
  envelopeId: string;
  code?: string;
}

/** What one state change writes besides its own rows: audit events, mails and webhooks, all in its transaction. */
export interface EnvelopeChanges {
  tx: SandboxQueryable;
  /** One instant for the whole change, so the row, the audit event and the webhook agree to the millisecond. */
  now: Date;
  audit(
    envelopeId: string,
    type: string,
    options?: { signerId?: string; actor?: Actor; detail?: Record<string, unknown> },
  ): Promise<void>;
  mail(draft: MailDraft): Promise<string>;
  webhook(envelope: { id: string; webhook_url: string }, type: SandboxWebhookType, data: Record<string, unknown>): void;
}

export interface Committed<T> {
  result: T;
  /** Ids of the webhooks written, in the order they were emitted. */
  messageIds: string[];
}

/**
 * Runs a state change in one transaction: its audit events, mails and webhooks commit with it or not at
 * all; webhooks leave after the commit (the outbox is woken), never from inside the transaction.
 */
@Injectable()
export class EnvelopeTransactions {
  constructor(
    private readonly database: SandboxDatabase,
    private readonly outbox: WebhookOutbox,
  ) {}

  async run<T>(work: (changes: EnvelopeChanges) => Promise<T>): Promise<Committed<T>> {
    const committed = await this.database.transaction(async (tx) => {
      const drafts: WebhookDraft[] = [];
      const now = new Date();
      const changes: EnvelopeChanges = {
        tx,
        now,
        audit: async (envelopeId, type, options = {}) => {
          const actor = options.actor ?? SYSTEM;
          const detail = { ...options.detail, ...(actor.simulated ? { simulated: true } : {}) };
          await tx.query(
            `INSERT INTO audit_events (envelope_id, at, type, signer_id, ip, user_agent, detail)
             VALUES ($1, $2, $3, $4, $5, $6, $7)`,
            [envelopeId, now, type, options.signerId ?? null, actor.ip, actor.userAgent, detail],
          );
        },
        mail: async (draft) => {
          const id = newId('mail');
          await tx.query(
            `INSERT INTO mailbox (id, to_address, subject, text, code, kind, envelope_id, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
            [id, draft.to, draft.subject, draft.text, draft.code ?? null, draft.kind, draft.envelopeId, now],
          );
          return id;
        },
        webhook: (envelope, type, data) => {
          drafts.push({ envelopeId: envelope.id, url: envelope.webhook_url, type, data, occurredAt: now });
        },
      };
      const result = await work(changes);
      const messageIds = drafts.length > 0 ? await this.outbox.enqueue(tx, drafts) : [];
      return { result, messageIds };
    });
    if (committed.messageIds.length > 0) this.outbox.wake();
    return committed;
  }
}
