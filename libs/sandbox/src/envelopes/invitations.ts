import type { Actor, EnvelopeChanges } from '../platform/envelope-transactions';
import type { SandboxPublicUrl } from '../platform/public-url';
import { invitationMail } from '../mailbox/mail-templates';
import type { EnvelopeRow, SignerRow, SignerStatus } from './envelope.types';

/** The sandbox's mail rule: an address at a `.invalid` domain bounces (RFC 2606 reserves it for this). */
export function bounces(email: string): boolean {
  return /\.invalid$/i.test(email.split('@').pop() ?? '');
}

export const signerSummary = (signer: Pick<SignerRow, 'email' | 'name'>) => ({
  email: signer.email,
  name: signer.name,
});

/**
 * Sends an invitation (or reminder) to one signer and reports its fate: delivered, or bounced with
 * `envelope.delivery_failed`. Returns the signer's status afterwards (an opened signer stays opened).
 */
export async function sendInvitation(
  changes: EnvelopeChanges,
  envelope: EnvelopeRow,
  signer: SignerRow,
  urls: SandboxPublicUrl,
  options: { reminder: boolean; actor?: Actor },
): Promise<SignerStatus> {
  const mail = invitationMail(envelope, signer, urls.signingUrl(signer.token), options.reminder);
  if (bounces(signer.email))
    return markBounced(changes, envelope, signer, 'mailbox unavailable: domain does not exist', options.actor);
  changes.mail(mail);
  changes.audit(envelope.id, 'mail_sent', {
    signerId: signer.id,
    actor: options.actor,
    detail: { to: signer.email, kind: mail.kind },
  });
  return markDelivered(changes, envelope, signer, options.actor);
}

export async function markDelivered(
  changes: EnvelopeChanges,
  envelope: EnvelopeRow,
  signer: SignerRow,
  actor?: Actor,
): Promise<SignerStatus> {
  const status: SignerStatus = signer.status === 'opened' ? 'opened' : 'delivered';
  await changes.tx.query('UPDATE signers SET status = $2 WHERE id = $1', [signer.id, status]);
  changes.audit(envelope.id, 'mail_delivered', { signerId: signer.id, actor, detail: { to: signer.email } });
  changes.webhook(envelope, 'envelope.delivered', { signer: signerSummary(signer) });
  return status;
}

export async function markBounced(
  changes: EnvelopeChanges,
  envelope: EnvelopeRow,
  signer: SignerRow,
  reason: string,
  actor?: Actor,
): Promise<SignerStatus> {
  await changes.tx.query(`UPDATE signers SET status = 'bounced' WHERE id = $1`, [signer.id]);
  changes.audit(envelope.id, 'mail_bounced', {
    signerId: signer.id,
    actor,
    detail: { to: signer.email, reason },
  });
  changes.webhook(envelope, 'envelope.delivery_failed', { signer: signerSummary(signer), reason });
  return 'bounced';
}
