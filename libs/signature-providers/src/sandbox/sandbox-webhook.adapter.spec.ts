import type { ParsedWebhook, WebhookRequest } from '../provider-adapter';
import type { SignatureEvent, SignatureEventType } from '../signature-event';
import { signStandardWebhook } from '../standard-webhooks/standard-webhooks';
import { SandboxWebhookAdapter } from './sandbox-webhook.adapter';

const OLD_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const NEW_SECRET = 'whsec_dGhpcy1pcy1hLXRlc3Qtc2VjcmV0LW9mLTMyLWJ5dGVzISE=';
const EVENT_ID = 'msg_2c1f';
const OCCURRED_AT = '2024-03-07T10:15:30.250Z';

const adapter = new SandboxWebhookAdapter({ secrets: [OLD_SECRET, NEW_SECRET], toleranceSeconds: 300 });

function request(body: unknown): WebhookRequest {
  const rawBody = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  return { headers: {}, rawBody };
}

function parse(body: unknown): ParsedWebhook {
  return adapter.parse(request(body), EVENT_ID);
}

function delivery(type: string, data: unknown, timestamp: unknown = OCCURRED_AT): unknown {
  return { type, timestamp, data };
}

const SIGNER = { email: '  Ada.Lovelace@Example.COM ', name: 'Ada Lovelace', ip: '203.0.113.7' };

describe('SandboxWebhookAdapter', () => {
  describe('verify', () => {
    const body = JSON.stringify(delivery('envelope.sent', { envelope_id: 'env_1' }));
    const timestamp = 1709806530;
    const now = new Date(timestamp * 1000);

    it.each([OLD_SECRET, NEW_SECRET])('accepts a delivery signed with either configured secret', (secret) => {
      const signature = signStandardWebhook({ secret, id: EVENT_ID, timestamp, body });
      const headers = {
        'webhook-id': EVENT_ID,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': signature,
      };
      expect(adapter.verify({ headers, rawBody: Buffer.from(body) }, now)).toEqual({
        ok: true,
        providerEventId: EVENT_ID,
      });
      const stale = new Date((timestamp + 301) * 1000);
      expect(adapter.verify({ headers, rawBody: Buffer.from(body) }, stale)).toMatchObject({
        ok: false,
        reason: 'stale_timestamp',
      });
    });

    it('reports no_secret_configured when constructed without secrets', () => {
      const unconfigured = new SandboxWebhookAdapter({ secrets: [], toleranceSeconds: 300 });
      expect(unconfigured.verify(request(body), now)).toMatchObject({ ok: false, reason: 'no_secret_configured' });
    });

    it('fails at construction on a malformed secret, naming its index but not its value', () => {
      expect(
        () => new SandboxWebhookAdapter({ secrets: [OLD_SECRET, 'whsec_not*base64'], toleranceSeconds: 300 }),
      ).toThrow(/^Sandbox webhook secrets\[1\]: Webhook secret is not valid base64 after 'whsec_'$/);
      expect(() => new SandboxWebhookAdapter({ secrets: [OLD_SECRET], toleranceSeconds: Number.NaN })).toThrow(
        'toleranceSeconds',
      );
    });
  });

  describe('parse', () => {
    it.each<[string, SignatureEventType]>([
      ['envelope.sent', 'sent'],
      ['envelope.delivered', 'delivered'],
      ['envelope.delivery_failed', 'delivery_failed'],
      ['envelope.opened', 'opened'],
      ['envelope.completed', 'completed'],
      ['envelope.declined', 'declined'],
      ['envelope.expired', 'expired'],
      ['envelope.voided', 'voided'],
      ['envelope.evidence_ready', 'evidence_ready'],
    ])('maps %s to %s', (providerType, type) => {
      expect(parse(delivery(providerType, { envelope_id: 'env_1' }))).toEqual({
        known: true,
        envelopeId: 'env_1',
        providerType,
        events: [
          {
            provider: 'sandbox',
            providerEventId: EVENT_ID,
            envelopeId: 'env_1',
            type,
            occurredAt: new Date(OCCURRED_AT),
          },
        ],
      });
    });

    it.each<[string, SignatureEventType]>([
      ['signer.signed', 'signer_signed'],
      ['signer.authentication_failed', 'authentication_failed'],
    ])('maps %s to %s with the signer, email trimmed and lower-cased', (providerType, type) => {
      const signer = {
        ...SIGNER,
        user_agent: 'Mozilla/5.0',
        auth_method: 'sms_otp',
        signature_level: 'advanced',
      };
      const expected: SignatureEvent = {
        provider: 'sandbox',
        providerEventId: EVENT_ID,
        envelopeId: 'env_1',
        type,
        occurredAt: new Date(OCCURRED_AT),
        signer: {
          email: 'ada.lovelace@example.com',
          name: 'Ada Lovelace',
          ip: '203.0.113.7',
          userAgent: 'Mozilla/5.0',
          authMethod: 'sms_otp',
          level: 'advanced',
        },
      };
      expect(parse(delivery(providerType, { envelope_id: 'env_1', signer })).events).toEqual([expected]);
    });

    it('keeps only the signer fields that are present, treating null as absent', () => {
      const signer = { email: 'bob@example.com', name: null, signature_level: null };
      expect(parse(delivery('signer.signed', { envelope_id: 'env_1', signer })).events[0].signer).toEqual({
        email: 'bob@example.com',
      });
    });

    it('keeps the optional signer and reason of envelope events', () => {
      const data = { envelope_id: 'env_1', signer: SIGNER, reason: 'Wrong billing address' };
      const [event] = parse(delivery('envelope.declined', data)).events;
      expect(event.signer).toEqual({ email: 'ada.lovelace@example.com', name: 'Ada Lovelace', ip: '203.0.113.7' });
      expect(event.reason).toBe('Wrong billing address');
    });

    it('leaves signer and reason off when absent', () => {
      const [event] = parse(delivery('envelope.voided', { envelope_id: 'env_1' })).events;
      expect(Object.keys(event).sort()).toEqual(['envelopeId', 'occurredAt', 'provider', 'providerEventId', 'type']);
    });

    it('converts a timestamp with an offset to the UTC instant', () => {
      const [event] = parse(delivery('envelope.sent', { envelope_id: 'env_1' }, '2024-03-07T11:15:30+01:00')).events;
      expect(event.occurredAt.toISOString()).toBe('2024-03-07T10:15:30.000Z');
    });

    describe('unknown types are stored and ignored, never an error', () => {
      it.each([
        ['a string envelope id', { envelope_id: 'env_9' }, 'env_9'],
        ['a numeric envelope id', { envelope_id: 42 }, null],
        ['an over-long envelope id', { envelope_id: 'x'.repeat(201) }, null],
        ['no data', undefined, null],
      ])('with %s', (_case, data, envelopeId) => {
        expect(parse({ type: 'template.updated', data })).toEqual({
          known: false,
          events: [],
          envelopeId,
          providerType: 'template.updated',
        });
      });

      it('does not mistake inherited object keys for known types', () => {
        expect(parse({ type: 'constructor', data: {} })).toMatchObject({ known: false, providerType: 'constructor' });
      });
    });
  });
});
