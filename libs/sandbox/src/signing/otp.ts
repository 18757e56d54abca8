import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';

/** A 6-digit one-time code from the CSPRNG (leading zeros kept). */
export function generateOtp(): string {
  return randomInt(0, 1_000_000).toString().padStart(6, '0');
}

/** `<salt hex>:<sha256 hex>`: codes are never stored in clear, and equal codes hash differently. */
export function hashOtp(code: string, salt: Buffer = randomBytes(16)): string {
  return `${salt.toString('hex')}:${digest(salt, code)}`;
}

/** Whether `code` (spaces ignored, as people type "123 456") is the one behind `stored`; constant time. */
export function verifyOtp(code: string, stored: string): boolean {
  const [saltHex, expectedHex] = stored.split(':');
  if (!saltHex || !expectedHex) return false;
  const normalized = code.replace(/\s+/g, '');
  if (!/^\d{6}$/.test(normalized)) return false;
  const actual = Buffer.from(digest(Buffer.from(saltHex, 'hex'), normalized), 'hex');
  const expected = Buffer.from(expectedHex, 'hex');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

export interface StoredOtp {
  code_hash: string;
  expires_at: Date;
  used_at: Date | null;
}

export type OtpCheck = 'valid' | 'wrong' | 'expired' | 'missing';

/** Judges a submitted code against the latest code sent to the signer. */
export function checkOtp(code: string, latest: StoredOtp | undefined, now: Date): OtpCheck {
  if (!latest || latest.used_at !== null) return 'missing';
  if (latest.expires_at.getTime() <= now.getTime()) return 'expired';
  return verifyOtp(code, latest.code_hash) ? 'valid' : 'wrong';
}

function digest(salt: Buffer, code: string): string {
  return createHash('sha256').update(salt).update(code).digest('hex');
}
