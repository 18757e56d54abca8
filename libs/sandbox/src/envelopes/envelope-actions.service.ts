import { Injectable } from '@nestjs/common';
import { EnvelopeTransactions, SYSTEM, type Actor, type EnvelopeChanges } from '../platform/envelope-transactions';
import { SandboxPublicUrl } from '../platform/public-url';
import { SandboxError } from '../sandbox.errors';
import { findEnvelope, signersOf } from './envelope.repository';
import { hasActed, type EnvelopeRow } from './envelope.types';
import { markBounced, markDelivered, sendInvitation } from './invitations';

/** What the sender (API) and the platform itself (mailer, expiry) do to an envelope. */
@Injectable()
export class EnvelopeActions {
  constructor(
    private readonly transactions: EnvelopeTransactions,
    private readonly urls: SandboxPublicUrl,
  ) {}

  /** Voiding twice is a no-op (no second webhook); a finished envelope cannot be voided. */
  async void(envelopeId: string, reason: string | null): Promise<void> {
    await this.transactions.run(async (changes) => {
      const envelope = await findEnvelope(changes.tx, envelopeId, true);
      if (envelope.status === 'voided') return;
      if (envelope.status !== 'sent') {
        throw new SandboxError('ENVELOPE.NOT_VOIDABLE', `A ${envelope.status} envelope cannot be voided`);
      }
      await changes.tx.query(`UPDATE envelopes SET status = 'voided', voided_at = $2, void_reason = $3 WHERE id = $1`, [
        envelopeId,
        changes.now,
        reason,
      ]);
      changes.audit(envelopeId, 'voided', { detail: { reason } });
      changes.webhook(envelope, 'envelope.voided', { reason });
    });
  }

  /** A reminder to every signer who has not signed yet (a locked-out signer could not act on it, so is skipped). */
  async resend(envelopeId: string): Promise<void> {
    await this.transactions.run(async (changes) => {
      const envelope = await findSent(changes, envelopeId);
      const waiting = (await signersOf(changes.tx, envelopeId)).filter((s) => !hasActed(s));
      changes.audit(envelopeId, 'resent', { detail: { to: waiting.map((s) => s.email) } });
      for (const signer of waiting) await sendInvitation(changes, envelope, signer, this.urls, { reminder: true });
    });
  }

  async expire(envelopeId: string, actor: Actor = SYSTEM): Promise<void> {
    await this.transactions.run(async (changes) => expireLocked(changes, await findSent(changes, envelopeId), actor));
  }

  /** Expires a batch of envelopes past `expires_at`; rows another process holds are left for its sweep. */
  async expireDue(limit = 100): Promise<number> {
    const { result } = await this.transactions.run(async (changes) => {
      const due = await changes.tx.query<EnvelopeRow>(
        `SELECT * FROM envelopes WHERE status = 'sent' AND expires_at <= $1
         ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
        [changes.now, limit],
      );
      for (const envelope of due) await expireLocked(changes, envelope, SYSTEM);
      return due.length;
    });
    return result;
  }

  /** The mailer reports a delivery (again): e.g. after the signer fixed their mailbox. */
  async deliver(envelopeId: string, signerId: string, actor: Actor): Promise<void> {
    await this.transactions.run(async (changes) => {
      const envelope = await findSent(changes, envelopeId);
      const signer = (await signersOf(changes.tx, envelopeId)).find((s) => s.id === signerId);
      if (!signer || hasActed(signer)) throw new SandboxError('SIGNER.INVALID_STATE', 'The signer has already acted');
      await markDelivered(changes, envelope, signer, actor);
    });
  }

  async bounce(envelopeId: string, signerId: string, reason: string | null, actor: Actor): Promise<void> {
    await this.transactions.run(async (changes) => {
      const envelope = await findSent(changes, envelopeId);
      const signer = (await signersOf(changes.tx, envelopeId)).find((s) => s.id === signerId);
      if (!signer || !['pending', 'delivered', 'bounced'].includes(signer.status)) {
        throw new SandboxError('SIGNER.INVALID_STATE', `A ${signer?.status ?? 'missing'} signer's mail cannot bounce`);
      }
      await markBounced(changes, envelope, signer, reason ?? 'mailbox unavailable', actor);
    });
  }
}

async function findSent(changes: EnvelopeChanges, envelopeId: string): Promise<EnvelopeRow> {
  const envelope = await findEnvelope(changes.tx, envelopeId, true);
  if (envelope.status !== 'sent') throw new SandboxError('ENVELOPE.NOT_SENT', `The envelope is ${envelope.status}`);
  return envelope;
}

async function expireLocked(changes: EnvelopeChanges, envelope: EnvelopeRow, actor: Actor): Promise<void> {
  await changes.tx.query(`UPDATE envelopes SET status = 'expired', expired_at = $2 WHERE id = $1`, [
    envelope.id,
    changes.now,
  ]);
  changes.audit(envelope.id, 'expired', { actor, detail: { expires_at: envelope.expires_at.toISOString() } });
  changes.webhook(envelope, 'envelope.expired', { expires_at: envelope.expires_at.toISOString() });
}
