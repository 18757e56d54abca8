import type { Readable } from 'node:stream';

/** The injection token of the configured DocumentStore driver. */
export const DOCUMENT_STORE = Symbol('DOCUMENT_STORE');

export interface PutOptions {
  mediaType: string;
  /** The SHA-256 (hex) the bytes must have, e.g. the one the platform states; on a mismatch nothing is stored. */
  expectedSha256?: string;
}

export interface StoredObject {
  /** Content address: `sha256/<first 2 hex>/<sha256>`. */
  key: string;
  sha256: string;
  size: number;
  /** false when an object with these bytes was already there (and was left as it was). */
  created: boolean;
}

export interface StoredContent {
  stream: Readable;
  size: number;
}

/**
 * Write-once, content-addressed storage for archived documents. The same bytes always land under the same
 * key, and a key, once written, is never overwritten: archived bytes cannot be changed through this port.
 */
export interface DocumentStore {
  /** Hashes while streaming; throws DOCUMENT.HASH_MISMATCH (storing nothing) if `expectedSha256` differs. */
  put(content: Readable | Buffer, options: PutOptions): Promise<StoredObject>;
  /** Throws DOCUMENT.CONTENT_MISSING when there is no such object. */
  get(key: string): Promise<StoredContent>;
  exists(key: string): Promise<boolean>;
}
