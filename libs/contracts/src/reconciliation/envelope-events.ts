import type { EnvelopeSummary, SignatureEvent } from '@app/signature-providers';

/** The timeline key prefix of the events the reconciler read from the platform's API, not from a webhook. */
export const RECONCILED_KEY_PREFIX = 'reconciled:';

/**
 * What the platform's envelope says has happened, as the canonical events its webhooks would have carried: each
 * signature, the first opening, completion and a final state, each at the instant the platform gives. Delivery
 * and bounces are left out: the envelope does not date them. Keys are stable (`reconciled:<type>[:<email>]`), so
 * asking twice adds no second timeline entry, and the lifecycle's facts make a fact it already had a duplicate.
 */
export function eventsFromEnvelope(provider: string, envelope: EnvelopeSummary): SignatureEvent[] {
  const events: SignatureEvent[] = [];
  const add = (
    type: SignatureEvent['type'],
    at: Date | null,
    extra: Partial<SignatureEvent> = {},
    key: string = type,
  ) => {
    if (at) {
      events.push({
        provider,
        providerEventId: `${RECONCILED_KEY_PREFIX}${key}`,
        envelopeId: envelope.envelopeId,
        type,
        occurredAt: at,
        ...extra,
      });
    }
  };
  const opened = envelope.signers
    .map((s) => s.openedAt)
    .filter((at): at is Date => at !== null)
    .sort((a, b) => a.getTime() - b.getTime());
  add('opened', opened[0] ?? null);
  for (const signer of envelope.signers) {
    add(
      'signer_signed',
      signer.signedAt,
      {
        signer: {
          email: signer.email,
          ...(signer.name ? { name: signer.name } : {}),
          ...(signer.ip ? { ip: signer.ip } : {}),
          ...(signer.userAgent ? { userAgent: signer.userAgent } : {}),
          ...(signer.authMethod ? { authMethod: signer.authMethod } : {}),
          ...(signer.level ? { level: signer.level } : {}),
          ...(signer.otpVerified !== null ? { otpVerified: signer.otpVerified } : {}),
        },
      },
      `signer_signed:${signer.email}`,
    );
  }
  add('completed', envelope.completedAt);
  const reason = envelope.reason ? { reason: envelope.reason } : {};
  const decliner = envelope.signers.find((s) => s.declinedAt);
  add('declined', envelope.declinedAt, { ...reason, ...(decliner ? { signer: { email: decliner.email } } : {}) });
  add('voided', envelope.voidedAt, reason);
  add('expired', envelope.expiredAt);
  return events;
}
