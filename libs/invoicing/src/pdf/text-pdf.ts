import { deflateSync } from 'node:zlib';
import { PDFDocument, PDFName, PDFRawStream, StandardFonts, type PDFRef } from 'pdf-lib';

export type StandardFont = 'Helvetica' | 'Helvetica-Bold';

const FONT_KEYS: Record<StandardFont, string> = { Helvetica: 'F1', 'Helvetica-Bold': 'F2' };

/**
 * A PDF of one or more pages of one size, whose page contents are written here as PDF operators, one
 * flate-compressed stream per page, and whose document (catalogue, pages, the two standard Helvetica fonts in
 * WinAnsi, information, cross-references) is pdf-lib's. Drawing each text and rectangle through pdf-lib's operator
 * objects (number formatting, hex encoding, serialising them again) was most of an invoice's rendering besides the QR
 * code; written here as text, it is a small part. Drawing goes to the current page: the last one added, or the one
 * `onPage` chose.
 */
export class TextPdf {
  private readonly pages: string[][] = [[]];
  private current = 0;

  constructor(
    readonly width: number,
    readonly height: number,
  ) {}

  get pageCount(): number {
    return this.pages.length;
  }

  /** A new page, which becomes the current one. */
  addPage(): void {
    this.pages.push([]);
    this.current = this.pages.length - 1;
  }

  /** Makes page `index` (from 0) the current one, to draw on it again (a footer once the page count is known). */
  onPage(index: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.pages.length) {
      throw new RangeError(`no page ${index} in a PDF of ${this.pages.length}`);
    }
    this.current = index;
  }

  /** One line of text, black, its baseline starting at (x, y). Characters WinAnsi lacks print as '?'. */
  text(value: string, x: number, y: number, size: number, font: StandardFont = 'Helvetica'): void {
    this.pages[this.current].push(
      `BT 0 0 0 rg /${FONT_KEYS[font]} ${num(size)} Tf 1 0 0 1 ${num(x)} ${num(y)} Tm <${winAnsiHex(value)}> Tj ET`,
    );
  }

  /** A straight stroke in a grey level (0 black, 1 white). */
  line(from: [number, number], to: [number, number], thickness: number, grey: number): void {
    this.pages[this.current].push(
      `q ${num(grey)} G ${num(thickness)} w ${num(from[0])} ${num(from[1])} m ${num(to[0])} ${num(to[1])} l S Q`,
    );
  }

  /** Operators written as they are, for drawings this class has no method for (the QR code). */
  operators(syntax: string): void {
    this.pages[this.current].push(syntax);
  }

  async bytes(info: { title: string; producer: string; created: Date }): Promise<Uint8Array> {
    const pdf = await PDFDocument.create({ updateMetadata: false });
    pdf.setTitle(info.title);
    pdf.setProducer(info.producer);
    pdf.setCreationDate(info.created);
    pdf.setModificationDate(info.created);
    const fonts: [string, PDFRef][] = [];
    for (const [font, key] of Object.entries(FONT_KEYS) as [StandardFont, string][]) {
      const embedded = await pdf.embedFont(
        font === 'Helvetica' ? StandardFonts.Helvetica : StandardFonts.HelveticaBold,
      );
      fonts.push([key, embedded.ref]);
    }
    for (const operators of this.pages) {
      const page = pdf.addPage([this.width, this.height]);
      // Under the keys the content names (`newFontDictionary` would add a random suffix to each).
      for (const [key, ref] of fonts) page.node.setFontDictionary(PDFName.of(key), ref);
      const content = deflateSync(Buffer.from(operators.join('\n'), 'latin1'));
      const stream = PDFRawStream.of(pdf.context.obj({ Filter: 'FlateDecode', Length: content.length }), content);
      page.node.set(PDFName.of('Contents'), pdf.context.register(stream));
    }
    return pdf.save({ useObjectStreams: false });
  }
}

/** A number as PDF syntax: no exponent, at most four decimals, no trailing zeros. */
function num(value: number): string {
  if (Number.isInteger(value)) return String(value);
  const fixed = value.toFixed(4).replace(/\.?0+$/, '');
  return fixed === '-0' ? '0' : fixed;
}

/** WinAnsiEncoding's 0x80-0x9F block (ISO 32000-1, Annex D): the euro sign, typographic quotes, dashes... */
const WIN_ANSI_HIGH: ReadonlyMap<string, number> = new Map(
  [...'€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008dŽ\u008f\u0090‘’“”•–—˜™š›œ\u009džŸ']
    .map((char, i): [string, number] => [char, 0x80 + i])
    .filter(([char]) => char.charCodeAt(0) > 0x9f),
);

/**
 * The text in WinAnsiEncoding as a hex string's digits: Latin-1 in 0x20-0x7E and 0xA0-0xFF, and the 0x80-0x9F block
 * above. Anything else (other scripts, control characters, emoji) becomes '?'.
 */
export function winAnsiHex(value: string): string {
  let hex = '';
  for (const char of value) {
    const code = char.codePointAt(0) ?? 0x3f;
    const byte =
      (code >= 0x20 && code <= 0x7e) || (code >= 0xa0 && code <= 0xff) ? code : (WIN_ANSI_HIGH.get(char) ?? 0x3f);
    hex += byte.toString(16).toUpperCase().padStart(2, '0');
  }
  return hex;
}
