import type { SignatureLevel } from '@app/domain';

/** The canonical event types every provider adapter maps its own names to (ARCHITECTURE.md section 4). */
export const SIGNATURE_EVENT_TYPES = [
  'sent',
  'delivered',
  'delivery_failed',
  'opened',
  'signer_signed',
  'completed',
  'declined',
  'expired',
  'voided',
  'authentication_failed',
  'evidence_ready',
] as const;
export type SignatureEventType = (typeof SIGNATURE_EVENT_TYPES)[number];

export interface SignerDetails {
  email: string;
  name?: string;
  ip?: string;
  userAgent?: string;
  authMethod?: string;
  level?: SignatureLevel;
  /** The platform verified a one-time code for this signature. */
  otpVerified?: boolean;
}

export interface SignatureEvent {
  provider: string;
  /** The provider's id of the delivery (Standard Webhooks `webhook-id`), suffixed `#n` when one delivery holds several events. */
  providerEventId: string;
  envelopeId: string;
  type: SignatureEventType;
  occurredAt: Date;
  signer?: SignerDetails;
  /** Free-text reason a provider gives for a decline, a bounce or a void. */
  reason?: string;
}
