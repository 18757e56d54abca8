import { deflateSync } from 'node:zlib';
import { PDFContentStream, PDFRawStream, type PDFDocument } from 'pdf-lib';

/**
 * `pdf.save()`, with the content streams the sandbox drew flate-encoded by Node's zlib (the same FlateDecode pdf-lib
 * writes with pako, whose pure-JS deflate was a third of a rendering's CPU) and without object streams, which
 * pdf-lib would deflate with pako too. Pages loaded from an existing PDF keep their streams as they are.
 */
export async function savePdf(pdf: PDFDocument): Promise<Uint8Array> {
  for (const [ref, object] of pdf.context.enumerateIndirectObjects()) {
    if (object instanceof PDFContentStream) {
      pdf.context.assign(ref, PDFRawStream.of(object.dict, deflateSync(object.getUnencodedContents())));
    }
  }
  return pdf.save({ useObjectStreams: false });
}
