import { PDFDocument, PDFName, PDFDict } from 'pdf-lib';
import { pageContent } from '../../../../test/support/pdf-content';
import { TextPdf, winAnsiHex } from './text-pdf';

function sample(title = 'Invoice F2026-000001'): Promise<Uint8Array> {
  const page = new TextPdf(595.28, 841.89);
  page.text('Total: 1.197,90 €', 330, 120.5, 13, 'Helvetica-Bold');
  page.line([50, 400], [545, 400], 0.5, 0.5);
  page.operators('q 0 0 0 rg 1 2 3 4 re f Q');
  return page.bytes({ title, producer: 'SignBridge', created: new Date('2026-03-09T00:00:00Z') });
}

describe('TextPdf', () => {
  it('reads back with one A4 page, the standard fonts, the drawn operators and the document information', async () => {
    const bytes = await sample('Credit note (R2026-000002) \\ test');
    const doc = await PDFDocument.load(bytes, { updateMetadata: false });
    expect(doc.getPageCount()).toBe(1);
    expect(doc.getPage(0).getSize()).toEqual({ width: 595.28, height: 841.89 });
    expect(doc.getTitle()).toBe('Credit note (R2026-000002) \\ test');
    expect(doc.getProducer()).toBe('SignBridge');
    expect(doc.getCreationDate()?.toISOString()).toBe('2026-03-09T00:00:00.000Z');
    const fonts = doc.getPage(0).node.Resources()?.lookup(PDFName.of('Font'), PDFDict);
    expect(fonts?.lookup(PDFName.of('F2'), PDFDict).get(PDFName.of('BaseFont'))?.toString()).toBe('/Helvetica-Bold');
    expect(fonts?.lookup(PDFName.of('F1'), PDFDict).get(PDFName.of('Encoding'))?.toString()).toBe('/WinAnsiEncoding');
    const content = await pageContent(bytes, 0);
    expect(content).toContain(`BT 0 0 0 rg /F2 13 Tf 1 0 0 1 330 120.5 Tm <${winAnsiHex('Total: 1.197,90 €')}> Tj ET`);
    expect(content).toContain('q 0.5 G 0.5 w 50 400 m 545 400 l S Q');
    expect(content).toContain('q 0 0 0 rg 1 2 3 4 re f Q');
  });

  it('keeps a title outside printable ASCII', async () => {
    const doc = await PDFDocument.load(await sample('Factura Ñandú 😀'), { updateMetadata: false });
    expect(doc.getTitle()).toBe('Factura Ñandú 😀');
  });
});

describe('winAnsiHex', () => {
  it('writes Latin-1 as itself and the euro sign, quotes and dashes at their WinAnsi codes', () => {
    expect(winAnsiHex('Ab 1')).toBe('41622031');
    expect(winAnsiHex('Ñandú')).toBe('D1616E64FA');
    expect(winAnsiHex('€ ’ “” – — …')).toBe('802092209394209620972085');
  });

  it('prints what WinAnsi lacks, control characters and emoji included, as one ? each', () => {
    expect(winAnsiHex('Łódź')).toBe('3FF3643F');
    expect(winAnsiHex('a\u0007b\u0081')).toBe('613F623F');
    expect(winAnsiHex('😀')).toBe('3F');
  });
});
