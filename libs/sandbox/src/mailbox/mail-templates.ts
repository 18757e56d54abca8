import type { EnvelopeRow, SignerRow } from '../envelopes/envelope.types';
import type { MailDraft } from '../platform/envelope-transactions';

type Envelope = Pick<EnvelopeRow, 'id' | 'title' | 'expires_at'>;
type Signer = Pick<SignerRow, 'name' | 'email'>;

/** The texts the sandbox "sends". Plain text; the mailbox page turns the links into anchors. */
export function invitationMail(envelope: Envelope, signer: Signer, link: string, reminder: boolean): MailDraft {
  const opening = reminder ? 'A reminder: you are asked to sign' : 'You are asked to sign';
  return {
    to: signer.email,
    subject: `${reminder ? 'Reminder: please' : 'Please'} sign "${envelope.title}"`,
    text:
      `Hello ${signer.name},\n\n${opening} "${envelope.title}".\n\n` +
      `Review and sign the document here:\n${link}\n\n` +
      `This link is personal and expires on ${envelope.expires_at.toISOString()}.\n\n-- SignBridge Sandbox`,
    kind: reminder ? 'reminder' : 'invitation',
    envelopeId: envelope.id,
  };
}

export function otpMail(envelope: Envelope, signer: Signer, code: string, ttlSeconds: number): MailDraft {
  return {
    to: signer.email,
    subject: `Your signing code for "${envelope.title}"`,
    text:
      `Hello ${signer.name},\n\nYour one-time code to sign "${envelope.title}" is ${code}.\n\n` +
      `It is valid for ${Math.round(ttlSeconds / 60)} minutes. Nobody from SignBridge will ever ask you for it.\n\n` +
      `-- SignBridge Sandbox`,
    kind: 'otp',
    envelopeId: envelope.id,
    code,
  };
}

export function completedMail(envelope: Envelope, signer: Signer, link: string): MailDraft {
  return {
    to: signer.email,
    subject: `Completed: "${envelope.title}"`,
    text:
      `Hello ${signer.name},\n\nEveryone has signed "${envelope.title}". ` +
      `The signed document and its audit trail are available to the sender.\n\n` +
      `Your copy of the signing record:\n${link}\n\n-- SignBridge Sandbox`,
    kind: 'completed',
    envelopeId: envelope.id,
  };
}
