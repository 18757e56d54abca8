import type { SignatureLevel } from '../envelope.types';

/** A create request once parsed and checked, whichever way it came (JSON or multipart). */
export interface CreateEnvelopeCommand {
  title: string;
  document: { filename: string; bytes: Buffer; sha256: string; pages: number };
  signers: { name: string; email: string; phone: string | null }[];
  signatureLevel: SignatureLevel;
  /** As given (null: the default), part of the idempotency fingerprint. */
  requestedExpiresAt: string | null;
  expiresAt: Date;
  webhookUrl: string;
  metadata: Record<string, unknown>;
  /** SHA-256 of the request's meaning: a reused Idempotency-Key must come with the same one. */
  requestHash: string;
}
