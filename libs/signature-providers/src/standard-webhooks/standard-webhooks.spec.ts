import { randomBytes } from 'node:crypto';
import type { HeaderMap, VerificationResult } from '../provider-adapter';
import { parseWebhookSecret, signStandardWebhook, verifyStandardWebhook } from './standard-webhooks';

// Published vector: standard-webhooks libraries/python/tests/test_webhooks.py
const VECTOR = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};
const VECTOR_KEY = parseWebhookSecret(VECTOR.secret);
const OTHER_SECRET = `whsec_${randomBytes(32).toString('base64')}`;
const OTHER_KEY = parseWebhookSecret(OTHER_SECRET);
const AT_VECTOR = new Date(VECTOR.timestamp * 1000);

function headers(overrides: HeaderMap = {}): HeaderMap {
  return {
    'webhook-id': VECTOR.id,
    'webhook-timestamp': String(VECTOR.timestamp),
    'webhook-signature': VECTOR.signature,
    ...overrides,
  };
}

function verify(
  options: { headers?: HeaderMap; body?: string; secrets?: Buffer[]; now?: Date } = {},
): VerificationResult {
  return verifyStandardWebhook({
    headers: options.headers ?? headers(),
    rawBody: Buffer.from(options.body ?? VECTOR.body),
    secrets: options.secrets ?? [VECTOR_KEY],
    now: options.now ?? AT_VECTOR,
    toleranceSeconds: 300,
  });
}

const ACCEPTED: VerificationResult = { ok: true, providerEventId: VECTOR.id };

describe('signStandardWebhook', () => {
  it('reproduces the published test vector from a string or Buffer body and a string or decoded key', () => {
    expect(signStandardWebhook(VECTOR)).toBe(VECTOR.signature);
    expect(signStandardWebhook({ ...VECTOR, body: Buffer.from(VECTOR.body) })).toBe(VECTOR.signature);
    expect(signStandardWebhook({ ...VECTOR, secret: VECTOR_KEY, timestamp: String(VECTOR.timestamp) })).toBe(
      VECTOR.signature,
    );
  });

  it('refuses ids and timestamps that would make the signed string ambiguous', () => {
    expect(() => signStandardWebhook({ ...VECTOR, id: 'msg.1' })).toThrow("must not contain '.'");
    expect(() => signStandardWebhook({ ...VECTOR, timestamp: 1614265330.5 })).toThrow('integer of Unix seconds');
    expect(() => signStandardWebhook({ ...VECTOR, timestamp: -1 })).toThrow('integer of Unix seconds');
  });
});

describe('parseWebhookSecret', () => {
  it('decodes the base64 after whsec_', () => {
    expect(VECTOR_KEY.toString('base64')).toBe('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw');
    expect(VECTOR_KEY.length).toBe(24);
  });

  // Exact messages: proves the secret is never echoed into boot logs.
  it.each([
    ['no prefix', 'MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', "Webhook secret must start with 'whsec_'"],
    ['wrong prefix', 'whsk_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', "Webhook secret must start with 'whsec_'"],
    ['empty body', 'whsec_', "Webhook secret has nothing after 'whsec_'"],
    [
      'non-base64 characters',
      'whsec_MfKQ9r8G!YqrTwjUPD8ILPZIo2LaLaSw',
      "Webhook secret is not valid base64 after 'whsec_'",
    ],
    [
      'url-safe alphabet',
      'whsec_MfKQ9r8G-YqrTwjUPD8ILPZIo2LaLaSw',
      "Webhook secret is not valid base64 after 'whsec_'",
    ],
    ['impossible length', 'whsec_MfKQ9', "Webhook secret is not valid base64 after 'whsec_'"],
    ['only padding', 'whsec_==', 'Webhook secret decodes to an empty key'],
  ])('rejects %s with a message that does not echo the secret', (_case, secret, message) => {
    expect(() => parseWebhookSecret(secret)).toThrow(new Error(message));
  });
});

describe('verifyStandardWebhook', () => {
  it('accepts the published test vector', () => {
    expect(verify()).toEqual(ACCEPTED);
  });

  describe('rotation', () => {
    const newSignature = signStandardWebhook({ ...VECTOR, secret: OTHER_SECRET });

    it('accepts a signature from either the old or the new secret', () => {
      expect(verify({ secrets: [OTHER_KEY, VECTOR_KEY] })).toEqual(ACCEPTED);
      const signedWithNew = headers({ 'webhook-signature': newSignature });
      expect(verify({ headers: signedWithNew, secrets: [VECTOR_KEY, OTHER_KEY] })).toEqual(ACCEPTED);
    });

    it('accepts a header holding several entries when any one matches, skipping unknown versions', () => {
      const header = `v1a,${VECTOR.signature.slice(3)} v2,abc ${newSignature}  ${VECTOR.signature}`;
      expect(verify({ headers: headers({ 'webhook-signature': header }) })).toEqual(ACCEPTED);
      expect(verify({ headers: headers({ 'webhook-signature': header }), secrets: [OTHER_KEY] })).toEqual(ACCEPTED);
    });

    it('does not treat a v1a entry carrying a valid v1 MAC as v1', () => {
      const header = `v1a,${VECTOR.signature.slice(3)}`;
      expect(verify({ headers: headers({ 'webhook-signature': header }) })).toEqual({
        ok: false,
        reason: 'bad_signature',
        detail: 'webhook-signature has no v1 entry',
      });
    });
  });

  describe('tolerance', () => {
    const seconds = (offset: number) => new Date((VECTOR.timestamp + offset) * 1000);

    it.each([300, -300, 300.999])('accepts a timestamp at the edge of tolerance (now = timestamp + %p s)', (offset) => {
      expect(verify({ now: seconds(offset) })).toEqual(ACCEPTED);
    });

    it('rejects a timestamp 301 s too old', () => {
      expect(verify({ now: seconds(301) })).toEqual({
        ok: false,
        reason: 'stale_timestamp',
        detail: 'webhook-timestamp is 301 s too old',
      });
    });

    it('rejects a timestamp 301 s in the future', () => {
      expect(verify({ now: seconds(-301) })).toEqual({
        ok: false,
        reason: 'stale_timestamp',
        detail: 'webhook-timestamp is 301 s in the future',
      });
    });

    it.each(['1614265330.0', '1614265330.5', '-1614265330', '+1614265330', ' 1614265330', '1.6e9', 'abc', '0x60'])(
      'rejects the non-integer timestamp %j',
      (timestamp) => {
        expect(verify({ headers: headers({ 'webhook-timestamp': timestamp }) })).toEqual({
          ok: false,
          reason: 'stale_timestamp',
          detail: 'webhook-timestamp is not an integer of Unix seconds',
        });
      },
    );
  });

  describe('tampering', () => {
    const badSignature = { ok: false, reason: 'bad_signature', detail: 'no v1 signature matches a configured secret' };

    it('rejects a tampered body, even by one byte of whitespace', () => {
      expect(verify({ body: '{"test": 2432232315}' })).toEqual(badSignature);
      expect(verify({ body: '{"test":2432232314}' })).toEqual(badSignature);
    });

    it('rejects a tampered id', () => {
      expect(verify({ headers: headers({ 'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJel' }) })).toEqual(badSignature);
    });

    it('rejects a tampered timestamp within tolerance', () => {
      const timestamp = String(VECTOR.timestamp + 1);
      expect(verify({ headers: headers({ 'webhook-timestamp': timestamp }) })).toEqual(badSignature);
    });

    it('rejects a signature made with a secret that is not configured', () => {
      expect(verify({ secrets: [OTHER_KEY] })).toEqual(badSignature);
    });

    it("rejects an id containing '.' before checking the signature", () => {
      expect(verify({ headers: headers({ 'webhook-id': 'msg.p5jXN8AQM9LWM0D4loKWxJek' }) })).toEqual({
        ok: false,
        reason: 'bad_signature',
        detail: "webhook-id must not contain '.'",
      });
    });
  });

  describe('malformed signature entries', () => {
    const mac = VECTOR.signature.slice(3);

    it.each([
      ['no comma', `v1${mac}`, 'webhook-signature has no v1 entry'],
      ['empty v1 entry', 'v1,', 'webhook-signature has no v1 entry'],
      ['only spaces', '   ', 'webhook-signature has no v1 entry'],
      ['bad base64', 'v1,!!!!not*base64', 'no v1 signature matches a configured secret'],
      ['truncated MAC', `v1,${mac.slice(0, -4)}`, 'no v1 signature matches a configured secret'],
      ['MAC with trailing junk', `v1,${mac}AA`, 'no v1 signature matches a configured secret'],
      ['MAC without padding', `v1,${mac.slice(0, -1)}`, 'no v1 signature matches a configured secret'],
      ['non-ASCII characters', `v1,${'é'.repeat(mac.length)}`, 'no v1 signature matches a configured secret'],
    ])('rejects %s without throwing', (_case, signature, detail) => {
      expect(verify({ headers: headers({ 'webhook-signature': signature }) })).toEqual({
        ok: false,
        reason: 'bad_signature',
        detail,
      });
    });
  });

  describe('headers', () => {
    it.each([
      ['webhook-id', 'missing webhook-id'],
      ['webhook-timestamp', 'missing webhook-timestamp'],
      ['webhook-signature', 'missing webhook-signature'],
    ])('reports a missing %s', (name, detail) => {
      const partial = headers();
      delete partial[name];
      expect(verify({ headers: partial })).toEqual({ ok: false, reason: 'missing_headers', detail });
    });

    it('lists every missing header, treating empty strings and empty arrays as missing', () => {
      const partial: HeaderMap = { 'webhook-id': '', 'webhook-timestamp': [], 'webhook-signature': undefined };
      expect(verify({ headers: partial })).toEqual({
        ok: false,
        reason: 'missing_headers',
        detail: 'missing webhook-id, webhook-timestamp, webhook-signature',
      });
    });

    it('takes the first value of array-valued headers', () => {
      const arrays: HeaderMap = {
        'webhook-id': [VECTOR.id, 'msg_other'],
        'webhook-timestamp': [String(VECTOR.timestamp), '1'],
        'webhook-signature': [VECTOR.signature, 'v1,AAAA'],
      };
      expect(verify({ headers: arrays })).toEqual(ACCEPTED);
      const signatureSecond: HeaderMap = { ...arrays, 'webhook-signature': ['v1,AAAA', VECTOR.signature] };
      expect(verify({ headers: signatureSecond })).toMatchObject({ ok: false, reason: 'bad_signature' });
    });
  });

  it('reports a missing secret before looking at the request', () => {
    expect(verify({ secrets: [], headers: {} })).toEqual({
      ok: false,
      reason: 'no_secret_configured',
      detail: 'no webhook secret is configured',
    });
  });

  it('throws on an invalid clock or tolerance rather than accepting every timestamp', () => {
    expect(() => verify({ now: new Date(Number.NaN) })).toThrow('now is an invalid Date');
    const input = { headers: headers(), rawBody: Buffer.from(VECTOR.body), secrets: [VECTOR_KEY], now: AT_VECTOR };
    expect(() => verifyStandardWebhook({ ...input, toleranceSeconds: Number.NaN })).toThrow('toleranceSeconds');
    expect(() => verifyStandardWebhook({ ...input, toleranceSeconds: -1 })).toThrow('toleranceSeconds');
  });
});
