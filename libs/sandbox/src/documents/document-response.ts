import { createHash } from 'node:crypto';
import type { FastifyReply } from 'fastify';
import type { DocumentKind } from '../envelopes/envelope.types';
import type { StoredDocument } from '../envelopes/envelope.repository';

const SUFFIX: Record<DocumentKind, string> = {
  original: '.pdf',
  signed: '-signed.pdf',
  audit_trail: '-audit-trail.pdf',
  evidence: '-evidence.json',
};

/** `contract.pdf` → `contract-signed.pdf`, `contract-evidence.json`, … */
export function downloadName(originalFilename: string, kind: DocumentKind): string {
  const base = originalFilename.replace(/\.pdf$/i, '') || 'document';
  return `${base}${SUFFIX[kind]}`;
}

/**
 * Sends stored bytes with their digests, so a client can check what it received without trusting the
 * JSON: `X-Content-SHA256` (hex) and RFC 9530 `Repr-Digest`.
 */
export async function sendDocument(
  reply: FastifyReply,
  document: StoredDocument,
  filename: string,
  disposition: 'attachment' | 'inline',
): Promise<void> {
  const base64 = createHash('sha256').update(document.bytes).digest('base64');
  const ascii = filename.replace(/[^\x20-\x7E]/g, '_').replace(/["\\]/g, '_');
  await reply
    .status(200)
    .header('content-type', document.media_type)
    .header('content-length', String(document.bytes.length))
    .header('x-content-sha256', document.sha256)
    .header('repr-digest', `sha-256=:${base64}:`)
    .header(
      'content-disposition',
      `${disposition}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename)}`,
    )
    .header('cache-control', 'private, no-store')
    .send(document.bytes);
}
