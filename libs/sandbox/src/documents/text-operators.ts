import {
  beginText,
  endText,
  setFontAndSize,
  setTextMatrix,
  showText,
  type PDFHexString,
  type PDFName,
  type PDFOperator,
} from 'pdf-lib';

/**
 * One line of text as a `BT … ET` block with the page's font resource key, `state` (a fill colour, say) first:
 * the glyphs `page.drawText` would place there, without its dozen option checks per call and without adding the
 * font to the page's resources again each time, at about half the CPU.
 */
export function textOperators(
  fontKey: PDFName,
  size: number,
  x: number,
  y: number,
  text: PDFHexString,
  ...state: PDFOperator[]
): PDFOperator[] {
  return [
    beginText(),
    ...state,
    setFontAndSize(fontKey, size),
    setTextMatrix(1, 0, 0, 1, x, y),
    showText(text),
    endText(),
  ];
}
