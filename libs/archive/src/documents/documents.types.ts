import type { Readable } from 'node:stream';

export const DOCUMENT_KINDS = ['original', 'signed', 'evidence'] as const;
export type DocumentKind = (typeof DOCUMENT_KINDS)[number];

/** A row of `documents`: which bytes were archived for a contract, and where. */
export interface DocumentRecord {
  id: string;
  contractId: string;
  kind: DocumentKind;
  mediaType: string;
  sizeBytes: number;
  sha256: string;
  storageKey: string;
  provider: string;
  providerReference: string;
  /** The SHA-256 the platform stated for the bytes, when it states one (it matched, or nothing was stored). */
  statedSha256: string | null;
  storedAt: Date;
}

/** `created: false`: a record for (contract, kind) existed; it is returned unchanged and nothing was written. */
export type RecordedDocument = DocumentRecord & { created: boolean };

export interface RecordDocumentInput {
  contractId: string;
  kind: DocumentKind;
  mediaType: string;
  sizeBytes: number;
  sha256: string;
  storageKey: string;
  provider: string;
  /** The platform's id of the document (e.g. `env_1/signed.pdf`), for support and reconciliation. */
  providerReference: string;
  statedSha256?: string | null;
}

export interface StoreAndRecordInput {
  contractId: string;
  kind: DocumentKind;
  mediaType: string;
  provider: string;
  providerReference: string;
  content: Readable | Buffer;
  /** Checked before anything is stored or recorded: a mismatch throws DOCUMENT.HASH_MISMATCH. */
  statedSha256?: string | null;
}
