import { Injectable } from '@nestjs/common';
import { oneStatement, type SqlStatement } from '@app/common';
import { SandboxDatabase, type SandboxQueryable } from '../database/sandbox-database';
import type { AuditEventRow, MailKind } from '../envelopes/envelope.types';
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

/** An audit event as the audit trail reads it. */
export type RecordedAuditEvent = Omit<AuditEventRow, 'seq' | 'envelope_id'>;

/**
 * What one state change writes besides its own rows: audit events, mails and webhooks, all in its transaction.
 * They are collected, not written at once: they and the change's `alongside` writes go in the one statement that
 * ends the transaction, before its commit.
 */
export interface EnvelopeChanges {
  tx: SandboxQueryable;
  /** One instant for the whole change, so the row, the audit event and the webhook agree to the millisecond. */
  now: Date;
  audit(
    envelopeId: string,
    type: string,
    options?: { signerId?: string; actor?: Actor; detail?: Record<string, unknown> },
  ): void;
  /** Returns the mail's id. */
  mail(draft: MailDraft): string;
  webhook(envelope: { id: string; webhook_url: string }, type: SandboxWebhookType, data: Record<string, unknown>): void;
  /**
   * A write of the change's own that nothing later in the transaction reads back, sent in that last statement
   * (a part of `oneStatement`: named apart from tables and from `audited`, `mailed` and `queued`).
   */
  alongside(name: string, statement: SqlStatement): void;
  /** The envelope's audit events in order, this change's included. */
  auditEvents(envelopeId: string): Promise<RecordedAuditEvent[]>;
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
      const audits: (RecordedAuditEvent & { envelope_id: string })[] = [];
      const mails: (MailDraft & { id: string })[] = [];
      const parts: Record<string, SqlStatement> = {};
      const now = new Date();
      const changes: EnvelopeChanges = {
        tx,
        now,
        audit: (envelopeId, type, options = {}) => {
          const actor = options.actor ?? SYSTEM;
          const detail = { ...options.detail, ...(actor.simulated ? { simulated: true } : {}) };
          audits.push({
            envelope_id: envelopeId,
            at: now,
            type,
            signer_id: options.signerId ?? null,
            ip: actor.ip,
            user_agent: actor.userAgent,
            detail,
          });
        },
        mail: (draft) => {
          const id = newId('mail');
          mails.push({ ...draft, id });
          return id;
        },
        webhook: (envelope, type, data) => {
          drafts.push({ envelopeId: envelope.id, url: envelope.webhook_url, type, data, occurredAt: now });
        },
        alongside: (name, statement) => {
          if (Object.hasOwn(parts, name)) throw new Error(`a change wrote "${name}" twice`);
          parts[name] = statement;
        },
        auditEvents: async (envelopeId) => [
          ...(await tx.query<RecordedAuditEvent>(
            'SELECT at, type, signer_id, ip, user_agent, detail FROM audit_events WHERE envelope_id = $1 ORDER BY seq',
            [envelopeId],
          )),
          ...audits.filter((a) => a.envelope_id === envelopeId).map(({ envelope_id: _, ...event }) => event),
        ],
      };
      const result = await work(changes);
      const queued = drafts.length > 0 ? this.outbox.enqueueStatement(drafts) : undefined;
      const writes = {
        ...parts,
        audited: auditInsert(audits),
        mailed: mailInsert(mails, now),
        queued: queued?.statement,
      };
      if (Object.values(writes).some((write) => write !== undefined)) {
        const last = oneStatement(writes);
        await tx.query(last.text, last.values);
      }
      return { result, messageIds: queued?.ids ?? [] };
    });
    if (committed.messageIds.length > 0) this.outbox.wake();
    return committed;
  }
}

/** unnest keeps the array order, so `seq` follows the order the events were recorded in. */
function auditInsert(events: readonly (RecordedAuditEvent & { envelope_id: string })[]): SqlStatement | undefined {
  if (events.length === 0) return undefined;
  return {
    text: `INSERT INTO audit_events (envelope_id, at, type, signer_id, ip, user_agent, detail)
           SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::text[],
                                $7::jsonb[])`,
    values: [
      events.map((e) => e.envelope_id),
      events.map((e) => e.at),
      events.map((e) => e.type),
      events.map((e) => e.signer_id),
      events.map((e) => e.ip),
      events.map((e) => e.user_agent),
      events.map((e) => JSON.stringify(e.detail)),
    ],
  };
}

function mailInsert(mails: readonly (MailDraft & { id: string })[], now: Date): SqlStatement | undefined {
  if (mails.length === 0) return undefined;
  return {
    text: `INSERT INTO mailbox (id, to_address, subject, text, code, kind, envelope_id, created_at)
           SELECT id, to_address, subject, text, code, kind, envelope_id, $1::timestamptz
             FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])
               AS m(id, to_address, subject, text, code, kind, envelope_id)`,
    values: [
      now,
      mails.map((m) => m.id),
      mails.map((m) => m.to),
      mails.map((m) => m.subject),
      mails.map((m) => m.text),
      mails.map((m) => m.code ?? null),
      mails.map((m) => m.kind),
      mails.map((m) => m.envelopeId),
    ],
  };
}
