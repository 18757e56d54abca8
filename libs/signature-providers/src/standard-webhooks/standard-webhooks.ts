import { createHmac, timingSafeEqual } from 'node:crypto';
import type { HeaderMap, VerificationResult } from '../provider-adapter';

/** Standard Webhooks v1.0.0: https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md */
export const STANDARD_WEBHOOK_HEADERS = {
  id: 'webhook-id',
  timestamp: 'webhook-timestamp',
  signature: 'webhook-signature',
} as const;

const SECRET_PREFIX = 'whsec_';
const V1_PREFIX = 'v1,';
const BASE64_BODY = /^[A-Za-z0-9+/]*={0,2}$/;
// 15 digits is far beyond any real Unix time yet keeps Number() exact, so no overflow games.
const MAX_TIMESTAMP_DIGITS = 15;

export interface SignStandardWebhookInput {
  /** A `whsec_<base64>` secret, or a key already decoded by parseWebhookSecret. */
  secret: string | Buffer;
  id: string;
  /** Unix seconds. */
  timestamp: number | string;
  /** The exact bytes that will be sent. */
  body: Buffer | string;
}

export interface VerifyStandardWebhookInput {
  headers: HeaderMap;
  rawBody: Buffer;
  /** Decoded keys (parseWebhookSecret); several during a rotation. */
  secrets: readonly Buffer[];
  now: Date;
  toleranceSeconds: number;
}

/**
 * Decodes a `whsec_<base64>` secret into its HMAC key. Messages never include the secret itself:
 * they end up in boot logs.
 */
export function parseWebhookSecret(secret: string): Buffer {
  if (typeof secret !== 'string' || !secret.startsWith(SECRET_PREFIX)) {
    throw new Error(`Webhook secret must start with '${SECRET_PREFIX}'`);
  }
  const encoded = secret.slice(SECRET_PREFIX.length);
  if (encoded.length === 0) {
    throw new Error(`Webhook secret has nothing after '${SECRET_PREFIX}'`);
  }
  // Buffer.from(..., 'base64') silently drops invalid characters, which would quietly shorten the key.
  if (!BASE64_BODY.test(encoded) || encoded.length % 4 === 1) {
    throw new Error(`Webhook secret is not valid base64 after '${SECRET_PREFIX}'`);
  }
  const key = Buffer.from(encoded, 'base64');
  if (key.length === 0) {
    throw new Error('Webhook secret decodes to an empty key');
  }
  return key;
}

/** Returns the `v1,<base64>` entry for the `webhook-signature` header. */
export function signStandardWebhook(input: SignStandardWebhookInput): string {
  const key = typeof input.secret === 'string' ? parseWebhookSecret(input.secret) : input.secret;
  const timestamp = String(input.timestamp);
  if (input.id.length === 0 || input.id.includes('.')) {
    throw new Error("Webhook id must be non-empty and must not contain '.'");
  }
  if (parseUnixSeconds(timestamp) === null) {
    throw new Error('Webhook timestamp must be a non-negative integer of Unix seconds');
  }
  return V1_PREFIX + computeSignature(key, input.id, timestamp, input.body);
}

export function verifyStandardWebhook(input: VerifyStandardWebhookInput): VerificationResult {
  const { headers, rawBody, secrets, now, toleranceSeconds } = input;
  const nowSeconds = Math.floor(now.getTime() / 1000);
  // NaN would make every tolerance comparison false and accept any timestamp: fail loudly instead.
  if (!Number.isFinite(nowSeconds)) throw new Error('verifyStandardWebhook: now is an invalid Date');
  if (!Number.isFinite(toleranceSeconds) || toleranceSeconds < 0) {
    throw new Error('verifyStandardWebhook: toleranceSeconds must be a finite number >= 0');
  }
  if (secrets.length === 0) {
    return { ok: false, reason: 'no_secret_configured', detail: 'no webhook secret is configured' };
  }

  const id = firstHeader(headers, STANDARD_WEBHOOK_HEADERS.id);
  const timestamp = firstHeader(headers, STANDARD_WEBHOOK_HEADERS.timestamp);
  const signature = firstHeader(headers, STANDARD_WEBHOOK_HEADERS.signature);
  const missing: string[] = [];
  if (id === undefined) missing.push(STANDARD_WEBHOOK_HEADERS.id);
  if (timestamp === undefined) missing.push(STANDARD_WEBHOOK_HEADERS.timestamp);
  if (signature === undefined) missing.push(STANDARD_WEBHOOK_HEADERS.signature);
  if (id === undefined || timestamp === undefined || signature === undefined) {
    return { ok: false, reason: 'missing_headers', detail: `missing ${missing.join(', ')}` };
  }

  // The spec forbids it: with a '.' in the id, the signed string no longer says where the id ends.
  if (id.includes('.')) {
    return { ok: false, reason: 'bad_signature', detail: "webhook-id must not contain '.'" };
  }
  const sentAt = parseUnixSeconds(timestamp);
  if (sentAt === null) {
    return { ok: false, reason: 'stale_timestamp', detail: 'webhook-timestamp is not an integer of Unix seconds' };
  }
  if (nowSeconds - sentAt > toleranceSeconds) {
    return { ok: false, reason: 'stale_timestamp', detail: `webhook-timestamp is ${nowSeconds - sentAt} s too old` };
  }
  if (sentAt - nowSeconds > toleranceSeconds) {
    return {
      ok: false,
      reason: 'stale_timestamp',
      detail: `webhook-timestamp is ${sentAt - nowSeconds} s in the future`,
    };
  }

  const candidates = v1Candidates(signature);
  if (candidates.length === 0) {
    return { ok: false, reason: 'bad_signature', detail: 'webhook-signature has no v1 entry' };
  }
  // One HMAC per secret however many entries the header holds; the entries are only compared against it.
  for (const key of secrets) {
    const expected = Buffer.from(computeSignature(key, id, timestamp, rawBody), 'utf8');
    for (const candidate of candidates) {
      if (candidate.length === expected.length && timingSafeEqual(candidate, expected)) {
        return { ok: true, providerEventId: id };
      }
    }
  }
  return { ok: false, reason: 'bad_signature', detail: 'no v1 signature matches a configured secret' };
}

function computeSignature(key: Buffer, id: string, timestamp: string, body: Buffer | string): string {
  // Two updates instead of one concatenation: the body is never copied.
  return createHmac('sha256', key).update(`${id}.${timestamp}.`).update(body).digest('base64');
}

/** Absent and empty values count as missing; for repeated headers only the first is used. */
function firstHeader(headers: HeaderMap, name: string): string | undefined {
  const value = headers[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined || first.length === 0 ? undefined : first;
}

/** Digits only: no sign, no fraction, no exponent, no whitespace (Number() would accept all of those). */
function parseUnixSeconds(value: string): number | null {
  if (value.length === 0 || value.length > MAX_TIMESTAMP_DIGITS) return null;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 48 || c > 57) return null;
  }
  return Number(value);
}

/**
 * The base64 text of every `v1,` entry, as bytes. Comparing the text rather than decoded bytes is what the
 * reference libraries do, and it stays strict: lenient base64 decoding would accept padding or junk variants.
 */
function v1Candidates(header: string): Buffer[] {
  const candidates: Buffer[] = [];
  for (const entry of header.split(' ')) {
    if (entry.length > V1_PREFIX.length && entry.startsWith(V1_PREFIX)) {
      // utf8, not latin1: latin1 would fold non-ASCII characters onto ASCII bytes.
      candidates.push(Buffer.from(entry.slice(V1_PREFIX.length), 'utf8'));
    }
  }
  return candidates;
}
