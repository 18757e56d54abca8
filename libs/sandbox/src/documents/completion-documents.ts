import { PDFDocument } from 'pdf-lib';
import { sha256Hex } from '../platform/ids';
import type { AuditEventRow, EnvelopeRow, SignerRow } from '../envelopes/envelope.types';
import { savePdf } from './save-pdf';
import { PdfTextWriter } from './pdf-text-writer';

export interface CompletionInput {
  envelope: Pick<EnvelopeRow, 'id' | 'title' | 'signature_level' | 'document_filename' | 'created_at'>;
  completedAt: Date;
  original: Buffer;
  signers: SignerRow[];
  events: Omit<AuditEventRow, 'seq' | 'envelope_id'>[];
}

export interface GeneratedDocument {
  mediaType: string;
  bytes: Buffer;
  sha256: string;
}

export interface CompletionDocuments {
  signed: GeneratedDocument;
  auditTrail: GeneratedDocument;
  evidence: GeneratedDocument;
}

const PRODUCER = 'SignBridge Sandbox';

/**
 * The three documents of a completed envelope, made once at completion and stored, so their hashes never
 * change: the signed PDF (original pages + a signature page), the audit-trail PDF and the evidence JSON.
 */
export async function generateCompletionDocuments(input: CompletionInput): Promise<CompletionDocuments> {
  const originalSha256 = sha256Hex(input.original);
  const signed = await signedPdf(input, originalSha256);
  const auditTrail = await auditTrailPdf(input, originalSha256, signed.sha256);
  const evidence = evidenceJson(input, originalSha256, signed, auditTrail);
  return { signed, auditTrail, evidence };
}

async function signedPdf(input: CompletionInput, originalSha256: string): Promise<GeneratedDocument> {
  const pdf = await PDFDocument.load(input.original, { updateMetadata: false });
  stamp(pdf, input.envelope.title, input.completedAt);
  const out = await PdfTextWriter.open(pdf);
  out.heading('Signature page');
  out.line(`Document: ${input.envelope.title} (${input.envelope.document_filename})`);
  out.line(`Envelope: ${input.envelope.id} · signature level: ${input.envelope.signature_level}`);
  out.line(`SHA-256 of the original document: ${originalSha256}`);
  out.line(`Completed: ${utc(input.completedAt)}`);
  for (const signer of input.signers) {
    out.subheading(`${signer.name} <${signer.email}>`);
    out.line(`Signed at: ${utc(signer.signed_at)} · IP: ${signer.ip ?? '-'}`, { indent: 10 });
    out.line(
      `Authentication: ${signer.auth_method ?? '-'} · level: ${signer.signature_level ?? '-'} · ` +
        `OTP verified: ${signer.otp_verified ? 'yes' : 'no'}`,
      { indent: 10 },
    );
    if (signer.certificate) out.line(`Certificate: ${signer.certificate}`, { indent: 10 });
    out.line(`User agent: ${signer.user_agent ?? '-'}`, { indent: 10 });
  }
  return pdfDocument(await savePdf(pdf));
}

async function auditTrailPdf(
  input: CompletionInput,
  originalSha256: string,
  signedSha256: string,
): Promise<GeneratedDocument> {
  const pdf = await PDFDocument.create({ updateMetadata: false });
  stamp(pdf, `Audit trail: ${input.envelope.title}`, input.completedAt);
  const out = await PdfTextWriter.open(pdf);
  const emailOf = signerEmails(input.signers);
  out.heading('Audit trail');
  out.line(`Envelope: ${input.envelope.id} · "${input.envelope.title}" · level: ${input.envelope.signature_level}`);
  out.line(`Created: ${utc(input.envelope.created_at)} · completed: ${utc(input.completedAt)}`);
  out.line(`SHA-256 of the original document: ${originalSha256}`);
  out.line(`SHA-256 of the signed document: ${signedSha256}`);
  out.subheading('Events');
  for (const event of input.events) {
    const signer = event.signer_id ? emailOf.get(event.signer_id) : undefined;
    out.line(`${utc(event.at)}  ${event.type}${signer ? `  ${signer}` : ''}`);
    const facts = [
      event.ip && `IP ${event.ip}`,
      typeof event.detail.auth_method === 'string' && `auth ${event.detail.auth_method}`,
      typeof event.detail.signature_level === 'string' && `level ${event.detail.signature_level}`,
      typeof event.detail.otp_verified === 'boolean' && `OTP verified: ${event.detail.otp_verified ? 'yes' : 'no'}`,
      event.detail.simulated === true && 'simulated',
      event.user_agent && `UA ${event.user_agent}`,
    ].filter((fact): fact is string => typeof fact === 'string');
    if (facts.length > 0) out.line(facts.join(' · '), { indent: 14, size: 8 });
  }
  return pdfDocument(await savePdf(pdf));
}

function evidenceJson(
  input: CompletionInput,
  originalSha256: string,
  signed: GeneratedDocument,
  auditTrail: GeneratedDocument,
): GeneratedDocument {
  const emailOf = signerEmails(input.signers);
  const evidence = {
    envelope_id: input.envelope.id,
    title: input.envelope.title,
    signature_level: input.envelope.signature_level,
    created_at: input.envelope.created_at.toISOString(),
    completed_at: input.completedAt.toISOString(),
    document: { filename: input.envelope.document_filename, sha256: originalSha256, size_bytes: input.original.length },
    signed_document: { sha256: signed.sha256, size_bytes: signed.bytes.length },
    audit_trail: { sha256: auditTrail.sha256, size_bytes: auditTrail.bytes.length },
    signers: input.signers.map((s) => ({
      id: s.id,
      name: s.name,
      email: s.email,
      signed_at: s.signed_at?.toISOString() ?? null,
      consent_at: s.consent_at?.toISOString() ?? null,
      ip: s.ip,
      user_agent: s.user_agent,
      auth_method: s.auth_method,
      signature_level: s.signature_level,
      otp_verified: s.otp_verified,
      certificate: s.certificate,
    })),
    events: input.events.map((e) => ({
      at: e.at.toISOString(),
      type: e.type,
      signer_id: e.signer_id,
      signer_email: e.signer_id ? (emailOf.get(e.signer_id) ?? null) : null,
      ip: e.ip,
      user_agent: e.user_agent,
      detail: e.detail,
    })),
  };
  const bytes = Buffer.from(`${JSON.stringify(evidence, null, 2)}\n`, 'utf8');
  return { mediaType: 'application/json', bytes, sha256: sha256Hex(bytes) };
}

function stamp(pdf: PDFDocument, title: string, at: Date): void {
  pdf.setTitle(title);
  pdf.setProducer(PRODUCER);
  pdf.setCreator(PRODUCER);
  pdf.setCreationDate(at);
  pdf.setModificationDate(at);
}

function pdfDocument(bytes: Uint8Array): GeneratedDocument {
  const buffer = Buffer.from(bytes);
  return { mediaType: 'application/pdf', bytes: buffer, sha256: sha256Hex(buffer) };
}

function signerEmails(signers: SignerRow[]): Map<string, string> {
  return new Map(signers.map((s) => [s.id, s.email]));
}

function utc(date: Date | null): string {
  return date ? `${date.toISOString().replace('T', ' ').slice(0, 19)} UTC` : '-';
}
