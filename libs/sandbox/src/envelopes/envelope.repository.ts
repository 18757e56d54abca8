import type { SqlStatement } from '@app/common';
import type { SandboxQueryable } from '../database/sandbox-database';
import { SandboxError } from '../sandbox.errors';
import type { DocumentInfo, DocumentKind, EnvelopeRow, SignerRow } from './envelope.types';

/** Reads shared by the API, the signing page and the sweeps. Writes live with the change that makes them. */
export async function findEnvelope(q: SandboxQueryable, id: string, lock = false): Promise<EnvelopeRow> {
  const [row] = await q.query<EnvelopeRow>(`SELECT * FROM envelopes WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [id]);
  if (!row) throw new SandboxError('ENVELOPE.NOT_FOUND', `No envelope ${id}`);
  return row;
}

export function signersOf(q: SandboxQueryable, envelopeId: string): Promise<SignerRow[]> {
  return q.query<SignerRow>('SELECT * FROM signers WHERE envelope_id = $1 ORDER BY position', [envelopeId]);
}

export async function findSignerByToken(q: SandboxQueryable, token: string): Promise<SignerRow | undefined> {
  const [row] = await q.query<SignerRow>('SELECT * FROM signers WHERE token = $1', [token]);
  return row;
}

export function documentsOf(q: SandboxQueryable, envelopeId: string): Promise<DocumentInfo[]> {
  return q.query<DocumentInfo>('SELECT kind, media_type, sha256, size_bytes FROM documents WHERE envelope_id = $1', [
    envelopeId,
  ]);
}

export interface StoredDocument extends DocumentInfo {
  bytes: Buffer;
}

export async function findDocument(
  q: SandboxQueryable,
  envelopeId: string,
  kind: DocumentKind,
): Promise<StoredDocument | undefined> {
  const [row] = await q.query<StoredDocument>(
    'SELECT kind, media_type, sha256, size_bytes, bytes FROM documents WHERE envelope_id = $1 AND kind = $2',
    [envelopeId, kind],
  );
  return row;
}

/**
 * What a download needs, in one round trip: the envelope's status and file name, and the document if it exists
 * yet (signed, audit trail and evidence appear at completion). Undefined when there is no such envelope.
 */
export async function findEnvelopeDocument(
  q: SandboxQueryable,
  envelopeId: string,
  kind: DocumentKind,
): Promise<
  { envelope: Pick<EnvelopeRow, 'status' | 'document_filename'>; document: StoredDocument | undefined } | undefined
> {
  const [row] = await q.query<
    Pick<EnvelopeRow, 'status' | 'document_filename'> & { [K in keyof StoredDocument]: StoredDocument[K] | null }
  >(
    `SELECT e.status, e.document_filename, d.kind, d.media_type, d.sha256, d.size_bytes, d.bytes
       FROM envelopes e LEFT JOIN documents d ON d.envelope_id = e.id AND d.kind = $2
      WHERE e.id = $1`,
    [envelopeId, kind],
  );
  if (!row) return undefined;
  const { status, document_filename, kind: storedKind, media_type, sha256, size_bytes, bytes } = row;
  const document =
    storedKind !== null && media_type !== null && sha256 !== null && size_bytes !== null && bytes !== null
      ? { kind: storedKind, media_type, sha256, size_bytes, bytes }
      : undefined;
  return { envelope: { status, document_filename }, document };
}

export async function insertDocument(
  q: SandboxQueryable,
  envelopeId: string,
  kind: DocumentKind,
  document: { mediaType: string; bytes: Buffer; sha256: string },
  now: Date,
): Promise<void> {
  await insertDocuments(q, envelopeId, [[kind, document]], now);
}

/** Several documents of one envelope in one statement. */
export async function insertDocuments(
  q: SandboxQueryable,
  envelopeId: string,
  documents: readonly (readonly [DocumentKind, { mediaType: string; bytes: Buffer; sha256: string }])[],
  now: Date,
): Promise<void> {
  const insert = documentsInsert(envelopeId, documents, now);
  await q.query(insert.text, insert.values);
}

/** The insert of an envelope's documents, for a caller that sends it as a part of one statement. */
export function documentsInsert(
  envelopeId: string,
  documents: readonly (readonly [DocumentKind, { mediaType: string; bytes: Buffer; sha256: string }])[],
  now: Date,
): SqlStatement {
  return {
    text: `INSERT INTO documents (envelope_id, kind, media_type, bytes, sha256, size_bytes, created_at)
           SELECT $1::text, kind, media_type, bytes, sha256, size_bytes, $2::timestamptz
             FROM unnest($3::text[], $4::text[], $5::bytea[], $6::text[], $7::integer[])
               AS d(kind, media_type, bytes, sha256, size_bytes)`,
    values: [
      envelopeId,
      now,
      documents.map(([kind]) => kind),
      documents.map(([, d]) => d.mediaType),
      documents.map(([, d]) => d.bytes),
      documents.map(([, d]) => d.sha256),
      documents.map(([, d]) => d.bytes.length),
    ],
  };
}
