import jsQR from 'jsqr';
import { PDFDocument } from 'pdf-lib';
import QRCode from 'qrcode';
import { pageContent } from '../../../../test/support/pdf-content';
import { computeInvoiceTotals, ROUNDING_RULE } from '../money/invoice-totals';
import type { InvoiceRow } from '../usecases/shared/invoice-row';
import { invoiceQrUrl } from '../verifactu/verifactu-qr';
import { qrSegments, renderInvoicePdf, wrap } from './render-invoice-pdf';

function invoiceRow(overrides: Partial<InvoiceRow> = {}): InvoiceRow {
  const totals = computeInvoiceTotals([
    { description: 'Pro plan, first month', quantity: 2, unitPriceCents: 19_900, vatRate: 21 },
    { description: 'Onboarding', quantity: 1, unitPriceCents: 1_050, vatRate: 10 },
    { description: 'Exempt fee', quantity: 1, unitPriceCents: 500, vatRate: 0 },
  ]);
  return {
    id: '0b9d3a52-6a0e-4d3f-9c1e-2f8e4f6a7b10',
    kind: 'invoice',
    series: 'F',
    year: 2026,
    number: 7,
    full_number: 'F2026-000007',
    contract_id: '5c0f7a1e-3b2d-4c9a-8e6f-1a2b3c4d5e6f',
    customer_id: '9e8d7c6b-5a49-4382-9170-6f5e4d3c2b1a',
    corrects_invoice_id: null,
    corrects_number: null,
    credit_reason: null,
    issue_date: '2026-03-09',
    currency: 'EUR',
    seller: { name: 'Vendedora de Pruebas S.L.', taxId: 'B00000000', address: 'Calle de Alcalá 45, 28014 Madrid, ES' },
    buyer: {
      name: 'Cliente Ñandú S.L.',
      taxId: 'ESB12345678',
      address: { line1: 'Gran Vía 2', city: 'Madrid', postalCode: '28013', country: 'ES' },
      email: 'billing@example.test',
    },
    lines: totals.lines,
    tax_breakdown: totals.taxBreakdown,
    total_base_cents: totals.totalBaseCents,
    total_vat_cents: totals.totalVatCents,
    total_cents: totals.totalCents,
    rounding_rule: ROUNDING_RULE,
    issuer_tax_id: 'B00000000',
    chain_position: 7,
    fingerprint: 'AB'.repeat(32),
    previous_fingerprint: null,
    fingerprint_generated_at: '2026-03-09T10:11:12.000Z',
    status: 'issued',
    sent_at: null,
    created_at: new Date('2026-03-09T10:11:12Z'),
    ...overrides,
  };
}

/** The single page's content streams, decoded, as PDF syntax. */
async function singlePageContent(bytes: Uint8Array): Promise<string> {
  expect((await PDFDocument.load(bytes)).getPageCount()).toBe(1);
  return pageContent(bytes, 0);
}

/** Each `<hex> Tj` string, read as WinAnsi (Latin-1 for what an invoice prints). */
function shownTexts(content: string): string[] {
  return [...content.matchAll(/<([0-9A-Fa-f]*)>\s*Tj/g)].map((m) => Buffer.from(m[1], 'hex').toString('latin1'));
}

type Point = [number, number];
/** A filled path: its closed subpaths, in page space. */
type FilledPath = Point[][];

/**
 * The paths the content fills, in page space: a small interpreter for q, Q, cm, m, l, h, re, f, S and n, enough
 * for any way of drawing the code with straight edges (one path of squares, of rectangles, of outlines).
 */
function filledPaths(content: string): FilledPath[] {
  const filled: FilledPath[] = [];
  let ctm = [1, 0, 0, 1, 0, 0];
  const saved: number[][] = [];
  let path: Point[][] = [];
  let operands: number[] = [];
  const toPage = (x: number, y: number): Point => [ctm[0] * x + ctm[2] * y + ctm[4], ctm[1] * x + ctm[3] * y + ctm[5]];
  for (const token of content.split(/\s+/).filter(Boolean)) {
    if (/^[-+]?(\d+\.?\d*|\.\d+)$/.test(token)) {
      operands.push(Number(token));
      continue;
    }
    const [a, b, c, d, e, f] = operands;
    if (token === 'q') saved.push(ctm);
    else if (token === 'Q') ctm = saved.pop() ?? [1, 0, 0, 1, 0, 0];
    else if (token === 'cm') {
      const [A, B, C, D, E, F] = ctm;
      ctm = [a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E, e * B + f * D + F];
    } else if (token === 'm') path.push([toPage(a, b)]);
    else if (token === 'l') path[path.length - 1].push(toPage(a, b));
    else if (token === 're') path.push([toPage(a, b), toPage(a + c, b), toPage(a + c, b + d), toPage(a, b + d)]);
    else if (token === 'f' || token === 'f*') {
      expect(token).toBe('f'); // the nonzero rule is the one read below
      filled.push(path);
      path = [];
    } else if (token === 'S' || token === 'n') path = [];
    operands = [];
  }
  return filled;
}

/** Nonzero winding number of the point around the path's subpaths (each closed implicitly). */
function insideFilled(path: FilledPath, [x, y]: Point): boolean {
  let winding = 0;
  for (const polygon of path) {
    for (let i = 0; i < polygon.length; i++) {
      const [x0, y0] = polygon[i];
      const [x1, y1] = polygon[(i + 1) % polygon.length];
      const side = (x1 - x0) * (y - y0) - (x - x0) * (y1 - y0);
      if (y0 <= y && y1 > y && side > 0) winding++;
      else if (y1 <= y && y0 > y && side < 0) winding--;
    }
  }
  return winding !== 0;
}

const MM = 72 / 25.4;

interface Square {
  left: number;
  top: number;
  side: number;
}

/** The module grid as rows of '#' (dark) and '.', read at each module's centre inside the given square. */
function drawnModules(paths: FilledPath[], square: Square, size: number): string[] {
  const unit = square.side / size;
  return Array.from({ length: size }, (_, row) =>
    Array.from({ length: size }, (_, col) => {
      const centre: Point = [square.left + (col + 0.5) * unit, square.top - (row + 0.5) * unit];
      return paths.some((path) => insideFilled(path, centre)) ? '#' : '.';
    }).join(''),
  );
}

function expectedModules(url: string): { size: number; rows: string[] } {
  const { modules } = QRCode.create(qrSegments(url), { errorCorrectionLevel: 'M' });
  const rows = Array.from({ length: modules.size }, (_, row) =>
    Array.from({ length: modules.size }, (_, col) => (modules.get(row, col) ? '#' : '.')).join(''),
  );
  return { size: modules.size, rows };
}

/** The module grid as a black-on-white image with its quiet zone, 4 pixels a module, read by jsQR. */
function decodeQr(rows: string[]): string | undefined {
  const scale = 4;
  const quiet = 4;
  const side = (rows.length + 2 * quiet) * scale;
  const pixels = new Uint8ClampedArray(side * side * 4).fill(255);
  rows.forEach((row, r) =>
    [...row].forEach((module, c) => {
      if (module !== '#') return;
      for (let y = 0; y < scale; y++)
        for (let x = 0; x < scale; x++) {
          const at = (((r + quiet) * scale + y) * side + (c + quiet) * scale + x) * 4;
          pixels.fill(0, at, at + 3);
        }
    }),
  );
  return jsQR(pixels, side, side)?.data;
}

describe('the invoice PDF', () => {
  it.each([
    ['an invoice', invoiceRow()],
    ['a credit note', invoiceRow({ kind: 'credit_note', full_number: 'R2026-000002', total_cents: -49_813 })],
  ])('draws the AEAT QR code of %s module for module, as vectors, 35 mm square at the top left', async (_, row) => {
    const content = await singlePageContent(await renderInvoicePdf(row));
    const paths = filledPaths(content);
    expect(content).not.toMatch(/\bDo\b/); // no image XObject: the code is drawn, not pasted

    // The three finder patterns sit in the corners, so what is filled spans the whole code.
    const points = paths.flat(2);
    const xs = points.map(([x]) => x);
    const ys = points.map(([, y]) => y);
    const square = { left: Math.min(...xs), top: Math.max(...ys), side: Math.max(...xs) - Math.min(...xs) };
    expect(square.side).toBeCloseTo(35 * MM, 3);
    expect(Math.max(...ys) - Math.min(...ys)).toBeCloseTo(35 * MM, 3);
    expect(square.left).toBeCloseTo(50, 3);
    expect(square.top).toBeCloseTo(841.89 - 45, 3);

    const url = invoiceQrUrl({
      issuerTaxId: row.issuer_tax_id,
      number: row.full_number,
      issueDate: row.issue_date,
      totalCents: row.total_cents,
    });
    const expected = expectedModules(url);
    const drawn = drawnModules(paths, square, expected.size);
    expect(drawn).toEqual(expected.rows);
    // Read back by a decoder that knows nothing of how it was encoded: what a phone reading the paper would get.
    expect(decodeQr(drawn)).toBe(url);
  });

  it('prints the number, date, both parties with their tax ids, each line, the VAT per rate and the total', async () => {
    const texts = shownTexts(await singlePageContent(await renderInvoicePdf(invoiceRow())));
    expect(texts).toEqual(
      expect.arrayContaining([
        'FACTURA / INVOICE',
        'Number: F2026-000007',
        'Series: F   Issue date: 2026-03-09',
        'Vendedora de Pruebas S.L.',
        'Tax ID: B00000000',
        'Cliente Ñandú S.L.',
        'Tax ID: ESB12345678',
        'Gran Vía 2, 28013 Madrid, ES',
        'Pro plan, first month',
        '199.00 EUR',
        '398.00 EUR',
        '21 %',
        '83.58 EUR',
        '1.05 EUR',
        'Total base: 413.50 EUR',
        'Total VAT: 84.63 EUR',
        'Total: 498.13 EUR',
        `Record fingerprint (SHA-256): ${'AB'.repeat(32)}`,
      ]),
    );
  });

  it('names the invoice a credit note rectifies and why, and prints what WinAnsi lacks as ?', async () => {
    const texts = shownTexts(
      await singlePageContent(
        await renderInvoicePdf(
          invoiceRow({
            kind: 'credit_note',
            full_number: 'R2026-000002',
            corrects_number: 'F2026-000007',
            credit_reason: 'Cancelled within the trial',
            buyer: { ...invoiceRow().buyer, name: 'Łódź Sp. z o.o.' },
          }),
        ),
      ),
    );
    expect(texts).toEqual(
      expect.arrayContaining([
        'FACTURA RECTIFICATIVA / CREDIT NOTE',
        'Number: R2026-000002',
        'Rectifies invoice: F2026-000007',
        'Reason: Cancelled within the trial',
        '?ód? Sp. z o.o.',
      ]),
    );
  });

  it('prints every line of a long invoice, continuing on further pages, with the totals and each page footed', async () => {
    // As many lines as billing takes (100), each description as long as it may be (500), in words.
    const words = (i: number) =>
      Array.from({ length: 60 }, (_, w) => `word${i}x${w}`)
        .join(' ')
        .slice(0, 500);
    const totals = computeInvoiceTotals(
      Array.from({ length: 100 }, (_, i) => ({
        description: words(i),
        quantity: 1,
        unitPriceCents: 1_000 + i,
        vatRate: [21, 10, 4, 0][i % 4],
      })),
    );
    const bytes = await renderInvoicePdf(
      invoiceRow({
        lines: totals.lines,
        tax_breakdown: totals.taxBreakdown,
        total_base_cents: totals.totalBaseCents,
        total_vat_cents: totals.totalVatCents,
        total_cents: totals.totalCents,
      }),
    );
    const pages = (await PDFDocument.load(bytes)).getPageCount();
    expect(pages).toBeGreaterThan(1);
    const contents = await Promise.all(Array.from({ length: pages }, (_, i) => pageContent(bytes, i)));
    const shown = contents.map(shownTexts);
    const all = shown.flat().join(' ');
    for (const line of totals.lines) expect(all).toContain(line.description);
    expect(shown[pages - 1]).toContain(`Total: ${(totals.totalCents / 100).toFixed(2)} EUR`);
    shown.forEach((texts, i) => {
      expect(texts).toContain(`Record fingerprint (SHA-256): ${'AB'.repeat(32)}`);
      expect(texts).toContain(`Invoice F2026-000007, page ${i + 1} of ${pages}`);
      if (i > 0) expect(texts).toContain('Invoice F2026-000007 (continued)');
    });
    // No baseline below the footer's.
    for (const content of contents) {
      for (const [, y] of content.matchAll(/ (-?[\d.]+) Tm /g)) expect(Number(y)).toBeGreaterThanOrEqual(50);
    }
  });

  it('prints long names, addresses and credit reasons whole, wrapped', async () => {
    const name = 'Compañía Internacional de Servicios Logísticos y Distribución Mayorista del Mediterráneo S.L.';
    const line1 = 'Polígono Industrial de la Estación de Mercancías, Nave 12, Calle de los Transportistas 345';
    const reason = 'Cancelled within the trial period because the customer moved to another provider. '.repeat(5);
    const texts = shownTexts(
      await singlePageContent(
        await renderInvoicePdf(
          invoiceRow({
            kind: 'credit_note',
            corrects_number: 'F2026-000001',
            credit_reason: reason,
            buyer: {
              ...invoiceRow().buyer,
              name,
              address: { line1, city: 'Valencia', postalCode: '46001', country: 'ES' },
            },
          }),
        ),
      ),
    ).join(' ');
    for (const whole of [name, line1, `Reason: ${reason.trim()}`]) expect(texts).toContain(whole);
  });
});

describe('wrap', () => {
  it('breaks between words, cuts a word longer than a line, and never makes a line longer', () => {
    expect(wrap('one two three', 7)).toEqual(['one two', 'three']);
    expect(wrap('ab abcdefghij', 4)).toEqual(['ab', 'abcd', 'efgh', 'ij']);
    expect(wrap('  ', 10)).toEqual([]);
    const text = 'Ñandú '.repeat(50) + 'x'.repeat(130);
    const lines = wrap(text, 48);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(48);
    expect(lines.join('').replace(/\s+/g, '')).toBe(text.replace(/\s+/g, ''));
  });
});
