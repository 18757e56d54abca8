import { PDFHexString, type PDFFont } from 'pdf-lib';

/** Glyph advances and kerning, in the font's 1/1000 em units, learnt from pdf-lib once per font for the process. */
const advances = new Map<string, Map<number, number>>();
const kerning = new Map<string, Map<number, number>>();

/**
 * Measures and encodes text already reduced to WinAnsi by `winAnsi` (printable ASCII and \xA0-\xFF) in one of
 * pdf-lib's standard fonts, with the numbers pdf-lib itself would give: `widthOfTextAtSize` sums, glyph by glyph,
 * the advance plus the kerning with the next glyph, all whole units, then scales by size / 1000. pdf-lib does it by
 * encoding the whole string and looking up every glyph name and pair again on each call, and wrapping measures each
 * line a word longer at a time: most of a completion's CPU. Here each glyph and each pair is asked of pdf-lib once.
 */
export class StandardFontMetrics {
  private readonly advance: Map<number, number>;
  private readonly kern: Map<number, number>;

  constructor(private readonly font: PDFFont) {
    this.advance = cached(advances, font.name);
    this.kern = cached(kerning, font.name);
  }

  widthOfTextAtSize(text: string, size: number): number {
    let units = 0;
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      units += this.advanceOf(code);
      if (i + 1 < text.length) units += this.kernOf(code, text.charCodeAt(i + 1));
    }
    // Whole units summed in any order make the same total, and the same product as pdf-lib's.
    return units * (size / 1000);
  }

  /** WinAnsi gives these characters their Latin-1 code, so the string's bytes are its glyph codes. */
  encode(text: string): PDFHexString {
    return PDFHexString.of(Buffer.from(text, 'latin1').toString('hex').toUpperCase());
  }

  private advanceOf(code: number): number {
    let units = this.advance.get(code);
    if (units === undefined) {
      // At size 1000 the scale is 1: pdf-lib's answer is the glyph's whole-unit advance.
      units = this.font.widthOfTextAtSize(String.fromCharCode(code), 1000);
      this.advance.set(code, units);
    }
    return units;
  }

  private kernOf(left: number, right: number): number {
    const pair = (left << 8) | right;
    let units = this.kern.get(pair);
    if (units === undefined) {
      const both = this.font.widthOfTextAtSize(String.fromCharCode(left, right), 1000);
      units = both - this.advanceOf(left) - this.advanceOf(right);
      this.kern.set(pair, units);
    }
    return units;
  }
}

function cached(byFont: Map<string, Map<number, number>>, fontName: string): Map<number, number> {
  let table = byFont.get(fontName);
  if (!table) byFont.set(fontName, (table = new Map()));
  return table;
}
