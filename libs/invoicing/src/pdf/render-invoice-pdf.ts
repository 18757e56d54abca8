import QRCode from 'qrcode';
import { formatAddress } from '@app/domain';
import { formatCents } from '../money/invoice-totals';
import type { InvoiceRow } from '../usecases/shared/invoice-row';
import { invoiceQrUrl } from '../verifactu/verifactu-qr';
import { TextPdf, type StandardFont } from './text-pdf';

const MM = 72 / 25.4;
const QR_SIZE = 35 * MM; // art. 21 RRSIF: 30 to 40 mm square

const money = (cents: number, currency: string) => `${formatCents(cents)} ${currency}`;

/** The lowest baseline of the body; the footer (fingerprint, page number) lies below it. */
const BODY_BOTTOM = 80;

/**
 * The invoice as a PDF with every art. 226 content (Directive 2006/112/EC) and RD 1619/2012 art. 6: number and
 * series, issue date, both parties' names, addresses and tax ids, each line (quantity, unit price before VAT, rate,
 * base), the base and VAT amount per rate, the total; for a credit note, the invoice it rectifies and why. The
 * AEAT QR code comes first on the first page, 35 mm square (art. 21 RRSIF). Nothing is cut: long names, addresses
 * and descriptions wrap, and lines that do not fit continue on further pages, each with the record's fingerprint
 * and its page number.
 */
export function renderInvoicePdf(invoice: InvoiceRow): Promise<Uint8Array> {
  const pdf = new TextPdf(595.28, 841.89);
  const left = 50;
  const top = pdf.height - 45;
  const title = `${invoice.kind === 'invoice' ? 'Invoice' : 'Credit note'} ${invoice.full_number}`;

  const qrUrl = invoiceQrUrl({
    issuerTaxId: invoice.issuer_tax_id,
    number: invoice.full_number,
    issueDate: invoice.issue_date,
    totalCents: invoice.total_cents,
  });
  drawQrCode(pdf, qrUrl, left, top - QR_SIZE, QR_SIZE);
  const text = (value: string, x: number, y: number, size = 9, font: StandardFont = 'Helvetica') =>
    pdf.text(value, x, y, size, font);
  const bold: StandardFont = 'Helvetica-Bold';
  text('QR tributario: AEAT', left, top - QR_SIZE - 11, 7);

  const heading = invoice.kind === 'invoice' ? 'FACTURA / INVOICE' : 'FACTURA RECTIFICATIVA / CREDIT NOTE';
  const hx = left + QR_SIZE + 20;
  text(heading, hx, top - 14, 16, bold);
  text(`Number: ${invoice.full_number}`, hx, top - 34, 11, bold);
  text(`Series: ${invoice.series}   Issue date: ${invoice.issue_date}`, hx, top - 50, 10);
  if (invoice.kind === 'credit_note') {
    text(`Rectifies invoice: ${invoice.corrects_number ?? invoice.corrects_invoice_id ?? ''}`, hx, top - 66, 10);
  }

  let y = top - QR_SIZE - 40;
  /** Lines one under the other (11 apart) from the baseline `from`; returns the last one's (`from` if none). */
  const stacked = (lines: string[], x: number, from: number, size = 9): number => {
    lines.forEach((lineText, i) => text(lineText, x, from - i * 11, size));
    return from - Math.max(lines.length - 1, 0) * 11;
  };
  /** A party's block from `y` down; returns how far down it went. */
  const party = (label: string, name: string, taxId: string | null, address: string, x: number): number => {
    text(label, x, y, 9, bold);
    const taxY = stacked(wrap(name, 42), x, y - 13, 10) - 13;
    text(`Tax ID: ${taxId ?? '-'}`, x, taxY);
    return y - stacked(wrap(address, 42), x, taxY - 13);
  };
  const depth = Math.max(
    party('Seller', invoice.seller.name, invoice.seller.taxId, invoice.seller.address, left),
    party('Customer', invoice.buyer.name, invoice.buyer.taxId, formatAddress(invoice.buyer.address), 320),
  );
  y -= Math.max(95, depth + 23);
  if (invoice.kind === 'credit_note') {
    wrap(`Reason: ${invoice.credit_reason ?? ''}`, 100).forEach((lineText) => {
      text(lineText, left, y);
      y -= 12;
    });
    y -= 10;
  }

  /** Further pages start with the document's name, so a loose sheet still says what it belongs to. */
  const continueOnNewPage = () => {
    pdf.addPage();
    y = top - 10;
    text(`${title} (continued)`, left, y, 11, bold);
    y -= 24;
  };
  const columns = [left, 300, 350, 430, 475];
  const tableHeader = () => {
    ['Description', 'Qty', 'Unit price', 'VAT %', 'Base'].forEach((h, i) => text(h, columns[i], y, 9, bold));
    rule(pdf, y - 4);
    y -= 16;
  };
  tableHeader();
  for (const line of invoice.lines) {
    const description = wrap(line.description, 48);
    if (description.length === 0) description.push(''); // a description of spaces only
    if (y - (description.length - 1) * 13 < BODY_BOTTOM) {
      continueOnNewPage();
      tableHeader();
    }
    description.forEach((lineText, i) => text(lineText, columns[0], y - i * 13));
    text(String(line.quantity), columns[1], y);
    text(money(line.unitPriceCents, invoice.currency), columns[2], y);
    text(`${line.vatRate} %`, columns[3], y);
    text(money(line.baseCents, invoice.currency), columns[4], y);
    y -= description.length * 13;
  }
  rule(pdf, y + 6);
  y -= 10;
  // The breakdown and the totals stay together.
  if (y - (13 * (invoice.tax_breakdown.length + 1) + 40) < BODY_BOTTOM) continueOnNewPage();
  text('Tax base per rate', left, y, 9, bold);
  text('VAT rate', 250, y, 9, bold);
  text('VAT amount', 400, y, 9, bold);
  y -= 13;
  for (const row of invoice.tax_breakdown) {
    text(money(row.baseCents, invoice.currency), left, y);
    text(`${row.rate} %`, 250, y);
    text(money(row.vatCents, invoice.currency), 400, y);
    y -= 13;
  }
  y -= 8;
  text(`Total base: ${money(invoice.total_base_cents, invoice.currency)}`, 330, y, 10);
  text(`Total VAT: ${money(invoice.total_vat_cents, invoice.currency)}`, 330, y - 14, 10);
  text(`Total: ${money(invoice.total_cents, invoice.currency)}`, 330, y - 32, 13, bold);

  for (let index = 0; index < pdf.pageCount; index++) {
    pdf.onPage(index);
    text(`Record fingerprint (SHA-256): ${invoice.fingerprint}`, left, 60, 6.5);
    text(`Generated ${invoice.fingerprint_generated_at}; rounding: ${invoice.rounding_rule}`, left, 50, 6.5);
    if (pdf.pageCount > 1) text(`${title}, page ${index + 1} of ${pdf.pageCount}`, 400, 50, 6.5);
  }
  const created = new Date(`${invoice.issue_date}T00:00:00Z`);
  return pdf.bytes({ title, producer: 'SignBridge', created });
}

function rule(pdf: TextPdf, y: number): void {
  pdf.line([50, y], [545, y], 0.5, 0.5);
}

/** Words to lines of at most `width` characters; a word longer than a line is cut into pieces of a line each. */
export function wrap(value: string, width: number): string[] {
  const lines: string[] = [];
  const pieces = new RegExp(`.{1,${width}}`, 'gu');
  let current = '';
  for (const word of value.split(/\s+/).filter(Boolean)) {
    for (const piece of word.match(pieces) ?? []) {
      if (current && current.length + 1 + piece.length <= width) current += ` ${piece}`;
      else {
        if (current) lines.push(current);
        current = piece;
      }
    }
  }
  if (current) lines.push(current);
  return lines;
}

/**
 * The URL as one byte-mode segment, as most encoders write a URL. Left to itself the library searches the cheapest
 * mix of numeric, alphanumeric and byte segments (a shortest-path search over the text), which cost a quarter of
 * the code's CPU and, for these URLs, gives a symbol of the same version. The mask is still the one of least
 * penalty, as ISO/IEC 18004 asks.
 */
export function qrSegments(text: string): QRCode.QRCodeSegment[] {
  return [{ data: Buffer.from(text, 'utf8'), mode: 'byte' }];
}

/**
 * The QR code as vector rectangles, one per horizontal run of dark modules: sharp at any zoom, no PNG to encode and
 * decode again, and some 600 operators pushed as they are, where an SVG path of one square per module made pdf-lib
 * parse and deflate thousands (half of a render's CPU).
 */
function drawQrCode(page: TextPdf, text: string, x: number, y: number, size: number): void {
  const { modules } = QRCode.create(qrSegments(text), { errorCorrectionLevel: 'M' });
  const n = modules.size;
  const unit = size / n;
  // Row 0 is the top row: the matrix scales to module units and flips y so that rows grow down from the top left.
  const operators = ['q', `${unit} 0 0 ${-unit} ${x} ${y + size} cm`, '0 0 0 rg'];
  for (let row = 0; row < n; row++) {
    for (let col = 0; col < n; col++) {
      if (!modules.get(row, col)) continue;
      const start = col;
      while (col + 1 < n && modules.get(row, col + 1)) col++;
      operators.push(`${start} ${row} ${col + 1 - start} 1 re`);
    }
  }
  operators.push('f', 'Q');
  page.operators(operators.join('\n'));
}
