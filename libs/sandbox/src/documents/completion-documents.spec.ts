import { PDFDocument } from 'pdf-lib';
import { sha256Hex } from '../platform/ids';
import type { SignerRow } from '../envelopes/envelope.types';
import { generateCompletionDocuments, type CompletionInput } from './completion-documents';
import { winAnsi } from './pdf-text-writer';

async function originalPdf(pages: number): Promise<Buffer> {
  const pdf = await PDFDocument.create();
  for (let i = 0; i < pages; i++) pdf.addPage().drawText(`page ${i + 1}`, { x: 50, y: 700 });
  return Buffer.from(await pdf.save());
}

const at = (s: number) => new Date(Date.UTC(2030, 0, 1, 12, 0, s));

function signer(n: number, overrides: Partial<SignerRow> = {}): SignerRow {
  return {
    id: `sgn_${n}`,
    envelope_id: 'env_1',
    position: n,
    name: `Signer ${n} Ñúñez 山田`,
    email: `s${n}@example.com`,
    phone: null,
    token: `t${n}`,
    status: 'signed',
    opened_at: at(1),
    signed_at: at(2 + n),
    declined_at: null,
    ip: `198.51.100.${n}`,
    user_agent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) VeryLongUserAgentToken/1.0',
    auth_method: 'email_otp',
    signature_level: 'advanced',
    otp_verified: true,
    consent_at: at(2 + n),
    certificate: null,
    otp_failures: 0,
    ...overrides,
  };
}

async function input(pages: number, signers: SignerRow[], events = 3): Promise<CompletionInput> {
  return {
    envelope: {
      id: 'env_1',
      title: 'Service agreement',
      signature_level: 'advanced',
      document_filename: 'agreement.pdf',
      created_at: at(0),
    },
    completedAt: at(30),
    original: await originalPdf(pages),
    signers,
    events: Array.from({ length: events }, (_, i) => ({
      at: at(i),
      type: i === 0 ? 'created' : 'signed',
      signer_id: i === 0 ? null : 'sgn_1',
      ip: '198.51.100.1',
      user_agent: 'test agent',
      detail: { auth_method: 'email_otp', signature_level: 'advanced', otp_verified: true },
    })),
  };
}

describe('completion documents', () => {
  it('signed PDF: the original pages plus a signature page, with metadata', async () => {
    const source = await input(3, [signer(1), signer(2)]);
    const { signed } = await generateCompletionDocuments(source);
    expect(signed.mediaType).toBe('application/pdf');
    expect(signed.sha256).toBe(sha256Hex(signed.bytes));
    const pdf = await PDFDocument.load(signed.bytes, { updateMetadata: false });
    expect(pdf.getPageCount()).toBe(4);
    expect(pdf.getTitle()).toBe('Service agreement');
    expect(pdf.getProducer()).toBe('SignBridge Sandbox');
    expect(pdf.getCreationDate()?.toISOString()).toBe(at(30).toISOString());
  });

  it('audit trail: paginates a long event list', async () => {
    const { auditTrail } = await generateCompletionDocuments(await input(1, [signer(1)], 200));
    const pdf = await PDFDocument.load(auditTrail.bytes, { updateMetadata: false });
    expect(pdf.getPageCount()).toBeGreaterThan(2);
    expect(pdf.getProducer()).toBe('SignBridge Sandbox');
  });

  it('evidence: the same facts machine-readably, hashes tying the documents together', async () => {
    const source = await input(2, [signer(1), signer(2, { auth_method: 'email_link', otp_verified: false })]);
    const { signed, auditTrail, evidence } = await generateCompletionDocuments(source);
    expect(evidence.mediaType).toBe('application/json');
    const json = JSON.parse(evidence.bytes.toString('utf8')) as Record<string, unknown>;
    expect(json).toMatchObject({
      envelope_id: 'env_1',
      title: 'Service agreement',
      signature_level: 'advanced',
      completed_at: at(30).toISOString(),
      document: { filename: 'agreement.pdf', sha256: sha256Hex(source.original), size_bytes: source.original.length },
      signed_document: { sha256: signed.sha256, size_bytes: signed.bytes.length },
      audit_trail: { sha256: auditTrail.sha256, size_bytes: auditTrail.bytes.length },
    });
    expect(json.signers).toEqual([
      expect.objectContaining({ email: 's1@example.com', auth_method: 'email_otp', otp_verified: true }),
      expect.objectContaining({ email: 's2@example.com', auth_method: 'email_link', otp_verified: false }),
    ]);
    expect((json.events as unknown[]).length).toBe(3);
    expect(json.events).toContainEqual(expect.objectContaining({ type: 'signed', signer_email: 's1@example.com' }));
  });

  it('writes names the standard fonts cannot encode as ? instead of failing', () => {
    expect(winAnsi('Ñúñez 山田\tx')).toBe('Ñúñez ?? x');
  });
});
