import {
  rgb,
  setFillingColor,
  StandardFonts,
  type PDFDocument,
  type PDFFont,
  type PDFName,
  type PDFPage,
} from 'pdf-lib';
import { textOperators } from './text-operators';
import { StandardFontMetrics } from './standard-font-metrics';

const A4: [number, number] = [595.28, 841.89];
const MARGIN = 50;

interface WriterFont {
  font: PDFFont;
  metrics: StandardFontMetrics;
}

/**
 * Writes lines of text onto A4 pages, wrapping long lines and starting a new page when one is full:
 * enough layout for a signature page and an audit trail of any length.
 */
export class PdfTextWriter {
  private page!: PDFPage;
  private fontKeys = new Map<PDFFont, PDFName>();
  private y = 0;

  private constructor(
    private readonly pdf: PDFDocument,
    private readonly regular: WriterFont,
    private readonly bold: WriterFont,
  ) {
    this.newPage();
  }

  static async open(pdf: PDFDocument): Promise<PdfTextWriter> {
    const [regular, bold] = await Promise.all([
      pdf.embedFont(StandardFonts.Helvetica),
      pdf.embedFont(StandardFonts.HelveticaBold),
    ]);
    const measured = (font: PDFFont) => ({ font, metrics: new StandardFontMetrics(font) });
    return new PdfTextWriter(pdf, measured(regular), measured(bold));
  }

  heading(text: string): void {
    this.write(text, { size: 16, bold: true, gapAfter: 8 });
  }

  subheading(text: string): void {
    this.space(6);
    this.write(text, { size: 11, bold: true, gapAfter: 2 });
  }

  line(text: string, options: { size?: number; indent?: number } = {}): void {
    this.write(text, { size: options.size ?? 9, bold: false, indent: options.indent ?? 0 });
  }

  space(points: number): void {
    this.y -= points;
  }

  private write(text: string, options: { size: number; bold: boolean; indent?: number; gapAfter?: number }): void {
    const { font, metrics } = options.bold ? this.bold : this.regular;
    const indent = options.indent ?? 0;
    const width = A4[0] - 2 * MARGIN - indent;
    for (const piece of wrap(winAnsi(text), metrics, options.size, width)) {
      if (this.y - options.size < MARGIN) this.newPage();
      this.y -= options.size * 1.35;
      this.page.pushOperators(
        ...textOperators(this.fontKey(font), options.size, MARGIN + indent, this.y, metrics.encode(piece)),
      );
    }
    this.y -= options.gapAfter ?? 0;
  }

  private fontKey(font: PDFFont): PDFName {
    let key = this.fontKeys.get(font);
    if (!key) {
      key = this.page.node.newFontDictionary(font.name, font.ref);
      this.fontKeys.set(font, key);
    }
    return key;
  }

  private newPage(): void {
    this.page = this.pdf.addPage(A4);
    this.fontKeys = new Map();
    this.y = A4[1] - MARGIN;
    // The colour every line had, set once: nothing else on these pages changes it.
    this.page.pushOperators(setFillingColor(rgb(0.1, 0.1, 0.1)));
  }
}

/** The standard fonts only encode WinAnsi; anything else (e.g. CJK names) becomes '?' rather than a crash. */
export function winAnsi(text: string): string {
  return text.replace(/[^\x20-\x7E\xA0-\xFF]/g, (c) => (c === '\t' ? ' ' : '?'));
}

function wrap(text: string, metrics: StandardFontMetrics, size: number, width: number): string[] {
  const lines: string[] = [];
  let current = '';
  for (const word of text.split(' ')) {
    const candidate = current === '' ? word : `${current} ${word}`;
    if (metrics.widthOfTextAtSize(candidate, size) <= width) {
      current = candidate;
      continue;
    }
    if (current !== '') lines.push(current);
    current = word;
    // A single word wider than the line (a user agent, a hash) is cut where it no longer fits.
    while (metrics.widthOfTextAtSize(current, size) > width) {
      let cut = current.length - 1;
      while (cut > 1 && metrics.widthOfTextAtSize(current.slice(0, cut), size) > width) cut--;
      lines.push(current.slice(0, cut));
      current = current.slice(cut);
    }
  }
  lines.push(current);
  return lines;
}
