import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'X-SignBridge-Signature';

/**
 * `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`, Stripe's scheme: the timestamp is signed with
 * the body, so a receiver can refuse replays older than its tolerance (300 s is customary). With several secrets
 * (a rotation under way), one `v1` each, the newest first: a receiver that knows either accepts the call.
 * Used on every call SignBridge makes on its own account: provisioning targets and the ERP's webhook endpoints.
 */
export function signatureHeader(secrets: string | readonly string[], body: string, unixSeconds: number): string {
  const macs = (typeof secrets === 'string' ? [secrets] : secrets).map(
    (secret) => `v1=${createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex')}`,
  );
  return `t=${unixSeconds},${macs.join(',')}`;
}

/** What a target does with the header: true if a `v1` matches and `t` is within `toleranceSeconds` of `nowSeconds`. */
export function verifySignatureHeader(
  secret: string,
  body: string,
  header: string,
  nowSeconds: number,
  toleranceSeconds = 300,
): boolean {
  const parts = header.split(',').map((p) => p.trim().split('='));
  const t = Number(parts.find(([k]) => k === 't')?.[1]);
  if (!Number.isInteger(t) || Math.abs(nowSeconds - t) > toleranceSeconds) return false;
  const expected = Buffer.from(createHmac('sha256', secret).update(`${t}.${body}`).digest('hex'));
  return parts
    .filter(([k, v]) => k === 'v1' && v !== undefined)
    .some(([, v]) => {
      const given = Buffer.from(v);
      return given.length === expected.length && timingSafeEqual(given, expected);
    });
}
