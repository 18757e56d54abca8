/** Rows as the sandbox stores them (snake_case, like the tables), and the unions their columns allow. */
export const ENVELOPE_STATUSES = ['sent', 'completed', 'declined', 'voided', 'expired'] as const;
export type EnvelopeStatus = (typeof ENVELOPE_STATUSES)[number];

export const SIGNATURE_LEVELS = ['simple', 'advanced', 'qualified'] as const;
export type SignatureLevel = (typeof SIGNATURE_LEVELS)[number];

export const SIGNER_STATUSES = ['pending', 'delivered', 'bounced', 'opened', 'signed', 'declined', 'locked'] as const;
export type SignerStatus = (typeof SIGNER_STATUSES)[number];

export type AuthMethod = 'email_link' | 'email_otp' | 'qualified_certificate';

export const DOCUMENT_KINDS = ['original', 'signed', 'audit_trail', 'evidence'] as const;
export type DocumentKind = (typeof DOCUMENT_KINDS)[number];

export type MailKind = 'invitation' | 'otp' | 'reminder' | 'completed';

export interface EnvelopeRow {
  id: string;
  title: string;
  status: EnvelopeStatus;
  signature_level: SignatureLevel;
  webhook_url: string;
  metadata: Record<string, unknown>;
  document_filename: string;
  expires_at: Date;
  created_at: Date;
  completed_at: Date | null;
  declined_at: Date | null;
  voided_at: Date | null;
  expired_at: Date | null;
  void_reason: string | null;
  decline_reason: string | null;
}

export interface SignerRow {
  id: string;
  envelope_id: string;
  position: number;
  name: string;
  email: string;
  phone: string | null;
  token: string;
  status: SignerStatus;
  opened_at: Date | null;
  signed_at: Date | null;
  declined_at: Date | null;
  ip: string | null;
  user_agent: string | null;
  auth_method: AuthMethod | null;
  signature_level: SignatureLevel | null;
  otp_verified: boolean;
  consent_at: Date | null;
  certificate: string | null;
  otp_failures: number;
}

/** A stored document without its bytes (what the envelope JSON lists). */
export interface DocumentInfo {
  kind: DocumentKind;
  media_type: string;
  sha256: string;
  size_bytes: number;
}

export interface AuditEventRow {
  seq: string;
  envelope_id: string;
  at: Date;
  type: string;
  signer_id: string | null;
  ip: string | null;
  user_agent: string | null;
  detail: Record<string, unknown>;
}

/** How each level authenticates the signer. */
export function authMethodFor(level: SignatureLevel): AuthMethod {
  switch (level) {
    case 'simple':
      return 'email_link';
    case 'advanced':
      return 'email_otp';
    case 'qualified':
      return 'qualified_certificate';
  }
}

/** A signer who signed, declined or was locked out can do nothing more. */
export function hasActed(signer: Pick<SignerRow, 'status'>): boolean {
  return signer.status === 'signed' || signer.status === 'declined' || signer.status === 'locked';
}

/** The simulated qualified certificates a signer can pick from (the page's `#certificate` options). */
export function certificatesFor(signer: Pick<SignerRow, 'name'>): string[] {
  return [
    `CN=${signer.name}, Sandbox Qualified CA`,
    `CN=${signer.name}, O=Sandbox Trust Services, Sandbox Qualified CA 2`,
  ];
}
