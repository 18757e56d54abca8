import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { SandboxPublicUrl } from '../platform/public-url';
import {
  DOCUMENT_KINDS,
  ENVELOPE_STATUSES,
  SIGNATURE_LEVELS,
  SIGNER_STATUSES,
  type AuthMethod,
  type DocumentInfo,
  type DocumentKind,
  type EnvelopeRow,
  type EnvelopeStatus,
  type SignatureLevel,
  type SignerRow,
  type SignerStatus,
} from './envelope.types';

/** The envelope as the API returns it (snake_case JSON, absolute URLs). */
export class DocumentLinkDto {
  @ApiProperty({ description: 'Hex SHA-256 of the bytes' }) sha256!: string;
  @ApiProperty() size_bytes!: number;
  @ApiProperty({ description: 'Absolute download URL (needs the API key)' }) url!: string;
}

export class EnvelopeDocumentsDto {
  @ApiProperty({ type: DocumentLinkDto }) original!: DocumentLinkDto;
  @ApiProperty({ type: DocumentLinkDto, nullable: true }) signed!: DocumentLinkDto | null;
  @ApiProperty({ type: DocumentLinkDto, nullable: true }) audit_trail!: DocumentLinkDto | null;
  @ApiProperty({ type: DocumentLinkDto, nullable: true }) evidence!: DocumentLinkDto | null;
}

export class SignerDto {
  @ApiProperty({ example: 'sgn_x1' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() email!: string;
  @ApiPropertyOptional({ nullable: true, type: String }) phone!: string | null;
  @ApiProperty({ enum: SIGNER_STATUSES }) status!: SignerStatus;
  @ApiProperty({ description: 'The link the invitation mail carries' }) signing_url!: string;
  @ApiProperty({ nullable: true, type: String }) opened_at!: string | null;
  @ApiProperty({ nullable: true, type: String }) signed_at!: string | null;
  @ApiProperty({ nullable: true, type: String }) declined_at!: string | null;
  @ApiProperty({ nullable: true, type: String }) ip!: string | null;
  @ApiProperty({ nullable: true, type: String }) user_agent!: string | null;
  @ApiProperty({ nullable: true, enum: ['email_link', 'email_otp', 'qualified_certificate'] })
  auth_method!: AuthMethod | null;
  @ApiProperty({ nullable: true, enum: SIGNATURE_LEVELS }) signature_level!: SignatureLevel | null;
  @ApiProperty() otp_verified!: boolean;
}

export class EnvelopeDto {
  @ApiProperty({ example: 'env_x1' }) id!: string;
  @ApiProperty({ enum: ENVELOPE_STATUSES }) status!: EnvelopeStatus;
  @ApiProperty() title!: string;
  @ApiProperty({ enum: SIGNATURE_LEVELS }) signature_level!: SignatureLevel;
  @ApiProperty() webhook_url!: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) metadata!: Record<string, unknown>;
  @ApiProperty() created_at!: string;
  @ApiProperty() expires_at!: string;
  @ApiProperty({ nullable: true, type: String }) completed_at!: string | null;
  @ApiProperty({ nullable: true, type: String }) declined_at!: string | null;
  @ApiProperty({ nullable: true, type: String }) voided_at!: string | null;
  @ApiProperty({ nullable: true, type: String }) expired_at!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'Why it was voided or declined' }) reason!: string | null;
  @ApiProperty({ type: [SignerDto] }) signers!: SignerDto[];
  @ApiProperty({ type: EnvelopeDocumentsDto }) documents!: EnvelopeDocumentsDto;
}

const iso = (date: Date | null): string | null => (date ? date.toISOString() : null);

export function toEnvelopeDto(
  envelope: EnvelopeRow,
  signers: SignerRow[],
  documents: DocumentInfo[],
  urls: SandboxPublicUrl,
): EnvelopeDto {
  const link = (kind: DocumentKind): DocumentLinkDto | null => {
    const document = documents.find((d) => d.kind === kind);
    return document
      ? { sha256: document.sha256, size_bytes: document.size_bytes, url: urls.documentUrl(envelope.id, kind) }
      : null;
  };
  const [original, signed, auditTrail, evidence] = DOCUMENT_KINDS.map(link);
  if (!original) throw new Error(`envelope ${envelope.id} has no original document`);
  return {
    id: envelope.id,
    status: envelope.status,
    title: envelope.title,
    signature_level: envelope.signature_level,
    webhook_url: envelope.webhook_url,
    metadata: envelope.metadata,
    created_at: envelope.created_at.toISOString(),
    expires_at: envelope.expires_at.toISOString(),
    completed_at: iso(envelope.completed_at),
    declined_at: iso(envelope.declined_at),
    voided_at: iso(envelope.voided_at),
    expired_at: iso(envelope.expired_at),
    reason: envelope.void_reason ?? envelope.decline_reason,
    signers: signers.map((s) => ({
      id: s.id,
      name: s.name,
      email: s.email,
      phone: s.phone,
      status: s.status,
      signing_url: urls.signingUrl(s.token),
      opened_at: iso(s.opened_at),
      signed_at: iso(s.signed_at),
      declined_at: iso(s.declined_at),
      ip: s.ip,
      user_agent: s.user_agent,
      auth_method: s.auth_method,
      signature_level: s.signature_level,
      otp_verified: s.otp_verified,
    })),
    documents: { original, signed, audit_trail: auditTrail, evidence },
  };
}
