import { DocumentError } from '../documents.errors';

const SHA256_HEX = /^[0-9a-f]{64}$/;
const KEY = /^sha256\/([0-9a-f]{2})\/([0-9a-f]{64})$/;

export function isSha256Hex(value: string): boolean {
  return SHA256_HEX.test(value);
}

/** The content address of bytes with this SHA-256: `sha256/<first 2 hex>/<hash>` (256 fan-out directories). */
export function documentKey(sha256: string): string {
  if (!isSha256Hex(sha256)) {
    throw new DocumentError('DOCUMENT.INVALID_KEY', 'A SHA-256 is 64 lowercase hex digits');
  }
  return `sha256/${sha256.slice(0, 2)}/${sha256}`;
}

/**
 * The SHA-256 a key addresses; throws on anything else, so a key can never name a path outside the store
 * (no `..`, no absolute paths) whatever a caller or a database row says.
 */
export function sha256OfKey(key: string): string {
  const match = KEY.exec(key);
  if (!match || match[2].slice(0, 2) !== match[1]) {
    throw new DocumentError('DOCUMENT.INVALID_KEY', `Not a content-addressed document key: ${JSON.stringify(key)}`);
  }
  return match[2];
}

/** RFC 9530 `Repr-Digest` value: the raw digest, base64, as a structured-field byte sequence. */
export function reprDigest(sha256: string): string {
  if (!isSha256Hex(sha256)) throw new DocumentError('DOCUMENT.INVALID', 'A SHA-256 is 64 lowercase hex digits');
  return `sha-256=:${Buffer.from(sha256, 'hex').toString('base64')}:`;
}
