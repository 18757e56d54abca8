import { AppError, registerErrorStatuses } from '@app/common';
import type { SignatureLevel } from '@app/domain';

registerErrorStatuses({
  'PROVIDER.NOT_CONFIGURED': 400,
  'PROVIDER.REJECTED': 422,
  'PROVIDER.ENVELOPE_NOT_FOUND': 404,
  'PROVIDER.CONFLICT': 409,
  'PROVIDER.UNAVAILABLE': 502,
});

/** A platform refused, failed or could not be reached. Codes are stable; the message quotes the platform's reason. */
export class ProviderError extends AppError {}

export interface CreateEnvelopeRequest {
  title: string;
  document: { filename: string; content: Buffer };
  signers: { name: string; email: string }[];
  signatureLevel: SignatureLevel;
  /** Where the platform posts this envelope's webhooks. */
  webhookUrl: string;
  expiresAt?: Date;
  metadata: Record<string, string>;
  /** The platform returns the first envelope for a repeated key, so a retried send never makes two. */
  idempotencyKey: string;
}

/** A signer as the platform's envelope lists it; the instants and details are null until the platform has them. */
export interface EnvelopeSigner {
  email: string;
  name: string;
  /** The platform's own status word. */
  status: string;
  signingUrl: string | null;
  openedAt: Date | null;
  signedAt: Date | null;
  declinedAt: Date | null;
  ip: string | null;
  userAgent: string | null;
  authMethod: string | null;
  level: SignatureLevel | null;
  otpVerified: boolean | null;
}

export interface EnvelopeSummary {
  envelopeId: string;
  /** The platform's own status word. */
  status: string;
  signers: EnvelopeSigner[];
  /**
   * When the platform sent the envelope, if its answer says: the instant its `sent` webhook carries too, so that
   * SignBridge's record of its own send and the platform's webhook are one send, not two.
   */
  sentAt: Date | null;
  /** When the envelope was completed, declined, voided or expired on the platform; null if it was not. */
  completedAt: Date | null;
  declinedAt: Date | null;
  voidedAt: Date | null;
  expiredAt: Date | null;
  /** Why it was declined or voided, in the platform's words. */
  reason: string | null;
  /** The signing deadline the platform enforces, if it has one. */
  expiresAt: Date | null;
}

/** One signer's signature as the platform's evidence document records it. */
export interface SignatureRecord {
  email: string;
  name: string | null;
  signedAt: Date | null;
  ip: string | null;
  userAgent: string | null;
  authMethod: string | null;
  level: SignatureLevel | null;
  otpVerified: boolean | null;
}

export interface ProviderDocument {
  content: Buffer;
  mediaType: string;
  /** SHA-256 (hex) of the bytes received, computed here. */
  sha256: string;
  /** The SHA-256 the platform states for the document, when it states one: compare before trusting the bytes. */
  statedSha256: string | null;
}

/**
 * The outbound port to a signature platform (ARCHITECTURE.md: provider adapters). Inbound webhooks go through
 * the `WebhookAdapter` of the same provider. Every call talks only to the configured base URL, never to a URL
 * taken from a webhook.
 */
export interface SignatureProvider {
  readonly name: string;
  /** It serves the signed PDF and evidence: activation then waits until both are archived. */
  readonly servesDocuments: boolean;
  createEnvelope(request: CreateEnvelopeRequest): Promise<EnvelopeSummary>;
  getEnvelope(envelopeId: string): Promise<EnvelopeSummary>;
  /** The document as the platform holds it before signing: compare with what was sent. */
  downloadOriginalDocument(envelopeId: string): Promise<ProviderDocument>;
  downloadSignedDocument(envelopeId: string): Promise<ProviderDocument>;
  /** The platform's evidence document (audit trail). */
  downloadEvidence(envelopeId: string): Promise<ProviderDocument>;
  /** Each signer's signature as the evidence records it: complete once the envelope is, whatever webhooks arrived. */
  signatureRecords(envelopeId: string): Promise<SignatureRecord[]>;
  voidEnvelope(envelopeId: string, reason?: string): Promise<EnvelopeSummary>;
}

export const SIGNATURE_PROVIDERS = Symbol('SIGNATURE_PROVIDERS');

/** The configured platforms by name: how use cases find the port for a contract's `provider`. */
export class SignatureProviderRegistry {
  private readonly byName: ReadonlyMap<string, SignatureProvider>;

  constructor(providers: readonly SignatureProvider[]) {
    this.byName = new Map(providers.map((p) => [p.name, p]));
  }

  /** The platforms SignBridge can ask (the reconciler asks about their contracts only). */
  names(): string[] {
    return [...this.byName.keys()];
  }

  get(name: string): SignatureProvider {
    const provider = this.byName.get(name);
    if (!provider) throw new ProviderError('PROVIDER.NOT_CONFIGURED', `No signature provider "${name}" is configured`);
    return provider;
  }
}
