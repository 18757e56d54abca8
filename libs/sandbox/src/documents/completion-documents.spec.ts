import { PDFDocument, StandardFonts } from 'pdf-lib';
import { pageContent } from '../../../../test/support/pdf-content';
import { sha256Hex } from '../platform/ids';
import type { SignerRow } from '../envelopes/envelope.types';
import { generateCompletionDocuments, type CompletionInput } from './completion-documents';
import { winAnsi } from './pdf-text-writer';
import { StandardFontMetrics } from './standard-font-metrics';

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

/** Each line of text on a page as `x y font size: text`, the text read as WinAnsi (Latin-1 for what is printed). */
async function pageLines(bytes: Uint8Array, index: number): Promise<string[]> {
  const content = await pageContent(bytes, index);
  const shown = /\/(\S+?)-\d+ ([\d.]+) Tf\s+1 0 0 1 ([\d.]+) ([\d.]+) Tm\s+<([0-9A-F]*)> Tj/g;
  return [...content.matchAll(shown)].map(
    ([, font, size, x, y, hex]) =>
      `${x} ${Number(y).toFixed(2)} ${font} ${size}: ${Buffer.from(hex, 'hex').toString('latin1')}`,
  );
}

const LONG_CERTIFICATE = `MIIB${'Ab9+'.repeat(40)}`;
const LONG_USER_AGENT =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 ' +
  'Edg/120.0.0.0 SomeEmbeddedBrowser/3.2.1 (build 4471; channel stable)';

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

  it('signed PDF: the original pages exactly as they were', async () => {
    const source = await input(2, [signer(1)]);
    const { signed } = await generateCompletionDocuments(source);
    const [original, copy] = await Promise.all([PDFDocument.load(source.original), PDFDocument.load(signed.bytes)]);
    for (const index of [0, 1]) {
      expect(await pageContent(signed.bytes, index)).toBe(await pageContent(source.original, index));
      expect(await pageContent(signed.bytes, index)).toContain(
        `<${Buffer.from(`page ${index + 1}`).toString('hex')}> Tj`,
      );
      const [before, after] = [original.getPage(index), copy.getPage(index)];
      expect(after.getSize()).toEqual(before.getSize());
      expect(after.node.Resources()?.toString()).toBe(before.node.Resources()?.toString());
    }
  });

  // Every line, where it stands, in which font and size, as the layout wrote it when it drew with page.drawText:
  // a missing text, a moved line or a different wrap fails here.
  it('signed PDF: the signature page, every line in place, long values wrapped', async () => {
    const source = await input(1, [
      signer(1),
      signer(2, { certificate: LONG_CERTIFICATE, user_agent: LONG_USER_AGENT }),
    ]);
    const { signed } = await generateCompletionDocuments(source);
    expect(await pageLines(signed.bytes, 1)).toEqual([
      '50 770.29 Helvetica-Bold 16: Signature page',
      '50 750.14 Helvetica 9: Document: Service agreement (agreement.pdf)',
      '50 737.99 Helvetica 9: Envelope: env_1 · signature level: advanced',
      `50 725.84 Helvetica 9: SHA-256 of the original document: ${sha256Hex(source.original)}`,
      '50 713.69 Helvetica 9: Completed: 2030-01-01 12:00:30 UTC',
      '50 692.84 Helvetica-Bold 11: Signer 1 Ñúñez ?? <s1@example.com>',
      '60 678.69 Helvetica 9: Signed at: 2030-01-01 12:00:03 UTC · IP: 198.51.100.1',
      '60 666.54 Helvetica 9: Authentication: email_otp · level: advanced · OTP verified: yes',
      '60 654.39 Helvetica 9: User agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) VeryLongUserAgentToken/1.0',
      '50 633.54 Helvetica-Bold 11: Signer 2 Ñúñez ?? <s2@example.com>',
      '60 619.39 Helvetica 9: Signed at: 2030-01-01 12:00:04 UTC · IP: 198.51.100.2',
      '60 607.24 Helvetica 9: Authentication: email_otp · level: advanced · OTP verified: yes',
      '60 595.09 Helvetica 9: Certificate:',
      '60 582.94 Helvetica 9: MIIBAb9+Ab9+Ab9+Ab9+Ab9+Ab9+Ab9+Ab9+Ab9+Ab9+Ab9+Ab9+Ab9+Ab9+Ab9+Ab9+Ab9+Ab9+Ab9+Ab9+Ab9+Ab9',
      '60 570.79 Helvetica 9: +Ab9+Ab9+Ab9+Ab9+Ab9+Ab9+Ab9+Ab9+Ab9+Ab9+Ab9+Ab9+Ab9+Ab9+Ab9+Ab9+Ab9+Ab9+',
      '60 558.64 Helvetica 9: User agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0',
      '60 546.49 Helvetica 9: Safari/537.36 Edg/120.0.0.0 SomeEmbeddedBrowser/3.2.1 (build 4471; channel stable)',
    ]);
  });

  it('audit trail: every line in place', async () => {
    const source = await input(1, [signer(1)]);
    const { signed, auditTrail } = await generateCompletionDocuments(source);
    const facts = 'IP 198.51.100.1 · auth email_otp · level advanced · OTP verified: yes · UA test agent';
    expect(await pageLines(auditTrail.bytes, 0)).toEqual([
      '50 770.29 Helvetica-Bold 16: Audit trail',
      '50 750.14 Helvetica 9: Envelope: env_1 · "Service agreement" · level: advanced',
      '50 737.99 Helvetica 9: Created: 2030-01-01 12:00:00 UTC · completed: 2030-01-01 12:00:30 UTC',
      `50 725.84 Helvetica 9: SHA-256 of the original document: ${sha256Hex(source.original)}`,
      `50 713.69 Helvetica 9: SHA-256 of the signed document: ${signed.sha256}`,
      '50 692.84 Helvetica-Bold 11: Events',
      '50 678.69 Helvetica 9: 2030-01-01 12:00:00 UTC  created',
      `64 667.89 Helvetica 8: ${facts}`,
      '50 655.74 Helvetica 9: 2030-01-01 12:00:01 UTC  signed  s1@example.com',
      `64 644.94 Helvetica 8: ${facts}`,
      '50 632.79 Helvetica 9: 2030-01-01 12:00:02 UTC  signed  s1@example.com',
      `64 621.99 Helvetica 8: ${facts}`,
    ]);
  });

  it('the same input makes byte-identical documents', async () => {
    const source = await input(1, [signer(1), signer(2)], 8);
    const [first, second] = [await generateCompletionDocuments(source), await generateCompletionDocuments(source)];
    expect(second.signed.sha256).toBe(first.signed.sha256);
    expect(second.auditTrail.sha256).toBe(first.auditTrail.sha256);
    expect(second.evidence.sha256).toBe(first.evidence.sha256);
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

  // Wrapping decides on these widths: they must be pdf-lib's own, to the last bit.
  it('measures and encodes WinAnsi text exactly as pdf-lib does', async () => {
    const pdf = await PDFDocument.create();
    const printable = String.fromCharCode(
      ...Array.from({ length: 0x100 }, (_, c) => c).filter((c) => (c >= 0x20 && c <= 0x7e) || c >= 0xa0),
    );
    for (const name of [StandardFonts.Helvetica, StandardFonts.HelveticaBold]) {
      const font = await pdf.embedFont(name);
      const metrics = new StandardFontMetrics(font);
      const samples = [printable, 'AVATAR Tj To Ya LT', winAnsi(LONG_USER_AGENT), LONG_CERTIFICATE, ''];
      // Each character next to every other, both ways round: every kerning pair.
      for (const left of printable) samples.push([...printable].map((right) => `${left}${right}`).join(''));
      for (const text of samples) {
        for (const size of [8, 9, 11, 16])
          expect(metrics.widthOfTextAtSize(text, size)).toBe(font.widthOfTextAtSize(text, size));
        expect(metrics.encode(text).toString()).toBe(font.encodeText(text).toString());
      }
    }
  });

  it('writes names the standard fonts cannot encode as ? instead of failing', () => {
    expect(winAnsi('Ñúñez 山田\tx')).toBe('Ñúñez ?? x');
  });
});
