import { createHash, randomBytes } from 'node:crypto';

/** `env_…`, `sgn_…`, `mail_…`: random, URL-safe, never containing '.' (webhook ids must not). */
export function newId(prefix: string, bytes = 12): string {
  return `${prefix}_${randomBytes(bytes).toString('base64url')}`;
}

/** The secret in a signing link: 24 random bytes, enough that links cannot be guessed. */
export function newSigningToken(): string {
  return randomBytes(24).toString('base64url');
}

export function sha256Hex(bytes: Buffer | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}
