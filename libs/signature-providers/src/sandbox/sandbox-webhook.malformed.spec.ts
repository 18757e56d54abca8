import { MalformedWebhookError } from '../provider-adapter';
import { SandboxWebhookAdapter } from './sandbox-webhook.adapter';

const adapter = new SandboxWebhookAdapter({ secrets: [], toleranceSeconds: 300 });

function delivery(type: string, data: unknown, timestamp: unknown = '2024-03-07T10:15:30Z'): unknown {
  return { type, timestamp, data };
}

/** The MalformedWebhookError a parse throws, so the field and message can both be asserted. */
function parseError(body: unknown): MalformedWebhookError {
  const rawBody = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  try {
    adapter.parse({ headers: {}, rawBody }, 'msg_1');
  } catch (error) {
    if (error instanceof MalformedWebhookError) return error;
    throw error;
  }
  throw new Error('expected parse to throw MalformedWebhookError');
}

const ENVELOPE_ID_MESSAGE = 'data.envelope_id must be a non-empty string of at most 200 characters, storable text';
const TIMESTAMP_TYPE_MESSAGE = 'timestamp must be an ISO 8601 string';
const TIMESTAMP_FORMAT_MESSAGE = 'timestamp must be an ISO 8601 date-time with a UTC offset';
const EMAIL_MESSAGE = 'data.signer.email is not an email address';
const EMAIL_TYPE = 'data.signer.email must be a string';

describe('SandboxWebhookAdapter.parse: bodies that authenticate but are malformed', () => {
  const signed = (signer: unknown) => delivery('signer.signed', { envelope_id: 'env_1', signer });
  const sent = (data: unknown) => delivery('envelope.sent', data);
  const sentAt = (timestamp: unknown) => delivery('envelope.sent', { envelope_id: 'e' }, timestamp);

  it.each([
    ['invalid JSON', '{"type": "envelope.sent", ', 'body', 'body is not valid JSON'],
    ['a JSON array', '[]', 'body', 'body must be a JSON object'],
    ['JSON null', 'null', 'body', 'body must be a JSON object'],
    ['a missing type', { data: { envelope_id: 'env_1' } }, 'type', 'type must be a non-empty string'],
    ['a numeric type', { type: 7, data: {} }, 'type', 'type must be a non-empty string'],
    ['an empty type', { type: '', data: {} }, 'type', 'type must be a non-empty string'],
    ['an over-long type', { type: 'a'.repeat(201), data: {} }, 'type', 'type exceeds 200 characters'],
    ['missing data', { type: 'envelope.sent', timestamp: '2024-03-07T10:15:30Z' }, 'data', 'data must be an object'],
    ['array data', delivery('envelope.sent', []), 'data', 'data must be an object'],
    ['a missing envelope id', delivery('envelope.sent', {}), 'data.envelope_id', ENVELOPE_ID_MESSAGE],
    ['a numeric envelope id', delivery('envelope.sent', { envelope_id: 1 }), 'data.envelope_id', ENVELOPE_ID_MESSAGE],
    ['a blank envelope id', delivery('envelope.sent', { envelope_id: '  ' }), 'data.envelope_id', ENVELOPE_ID_MESSAGE],
    ['a 201-character envelope id', sent({ envelope_id: 'e'.repeat(201) }), 'data.envelope_id', ENVELOPE_ID_MESSAGE],
    // PostgreSQL cannot store NUL in text or jsonb: refused as malformed, never a failed insert.
    ['a NUL in the envelope id', sent({ envelope_id: 'env_\u0000' }), 'data.envelope_id', ENVELOPE_ID_MESSAGE],
    ['a NUL in the type', { type: 'envelope.\u0000', data: {} }, 'type', 'type must not contain the NUL character'],
    [
      'a NUL in the email',
      signed({ email: 'a\u0000@b.c' }),
      'data.signer.email',
      'data.signer.email must not contain the NUL character',
    ],
    [
      'a NUL in the name',
      signed({ email: 'a@b.c', name: 'A\u0000' }),
      'data.signer.name',
      'data.signer.name must not contain the NUL character',
    ],
    [
      'a lone surrogate in the name',
      signed({ email: 'a@b.c', name: 'A\ud800' }),
      'data.signer.name',
      'data.signer.name must not contain a lone UTF-16 surrogate',
    ],
    [
      'a NUL in the reason',
      sent({ envelope_id: 'e', reason: '\u0000' }),
      'data.reason',
      'data.reason must not contain the NUL character',
    ],
    ['a missing timestamp', { type: 'envelope.sent', data: { envelope_id: 'e' } }, 'timestamp', TIMESTAMP_TYPE_MESSAGE],
    ['a numeric timestamp', sentAt(1709806530), 'timestamp', TIMESTAMP_TYPE_MESSAGE],
    ['a free-form date', sentAt('March 7, 2024'), 'timestamp', TIMESTAMP_FORMAT_MESSAGE],
    ['a date without time', sentAt('2024-03-07'), 'timestamp', TIMESTAMP_FORMAT_MESSAGE],
    ['no UTC offset', sentAt('2024-03-07T10:15:30'), 'timestamp', TIMESTAMP_FORMAT_MESSAGE],
    ['an impossible date', sentAt('2024-02-30T10:00:00Z'), 'timestamp', TIMESTAMP_FORMAT_MESSAGE],
    ['month 13', sentAt('2024-13-07T10:00:00Z'), 'timestamp', TIMESTAMP_FORMAT_MESSAGE],
    ['hour 24', sentAt('2024-03-07T24:00:00Z'), 'timestamp', TIMESTAMP_FORMAT_MESSAGE],
    ['an offset of 24 hours', sentAt('2024-03-07T10:00:00+24:00'), 'timestamp', TIMESTAMP_FORMAT_MESSAGE],
    // JavaScript takes both; PostgreSQL refuses them, which would fail the event at every processing attempt.
    ['the year 0', sentAt('0000-01-01T00:00:00Z'), 'timestamp', TIMESTAMP_FORMAT_MESSAGE],
    ['an offset of 16 hours', sentAt('2024-03-07T10:00:00+16:00'), 'timestamp', TIMESTAMP_FORMAT_MESSAGE],
    ['signer.signed without signer', signed(undefined), 'data.signer', 'data.signer is required for signer.signed'],
    [
      'signer.authentication_failed without signer',
      delivery('signer.authentication_failed', { envelope_id: 'e' }),
      'data.signer',
      'data.signer is required for signer.authentication_failed',
    ],
    ['a string signer', signed('ada@example.com'), 'data.signer', 'data.signer must be an object'],
    ['a signer without email', signed({ name: 'Ada' }), 'data.signer.email', 'data.signer.email must be a string'],
    ['an email without @', signed({ email: 'ada' }), 'data.signer.email', EMAIL_MESSAGE],
    ['an email ending in @', signed({ email: 'ada@' }), 'data.signer.email', EMAIL_MESSAGE],
    ['a blank email', signed({ email: '   ' }), 'data.signer.email', EMAIL_MESSAGE],
    ['an envelope signer without email', sent({ envelope_id: 'e', signer: {} }), 'data.signer.email', EMAIL_TYPE],
    ['a numeric name', signed({ email: 'a@b.c', name: 1 }), 'data.signer.name', 'data.signer.name must be a string'],
    ['a numeric ip', signed({ email: 'a@b.c', ip: 1 }), 'data.signer.ip', 'data.signer.ip must be a string'],
    [
      'an object user_agent',
      signed({ email: 'a@b.c', user_agent: {} }),
      'data.signer.user_agent',
      'data.signer.user_agent must be a string',
    ],
    [
      'a boolean auth_method',
      signed({ email: 'a@b.c', auth_method: true }),
      'data.signer.auth_method',
      'data.signer.auth_method must be a string',
    ],
    [
      'an unknown signature level',
      signed({ email: 'a@b.c', signature_level: 'QES' }),
      'data.signer.signature_level',
      'data.signer.signature_level must be one of simple, advanced, qualified',
    ],
    [
      'a numeric reason',
      delivery('envelope.declined', { envelope_id: 'e', reason: 5 }),
      'data.reason',
      'data.reason must be a string',
    ],
  ])('rejects %s', (_case, body, field, message) => {
    const error = parseError(body);
    expect(error.field).toBe(field);
    expect(error.message).toEqual(message);
  });

  it('never echoes the body into the message', () => {
    const secretish = 'PRIVATE-'.repeat(50);
    const errors = [
      parseError(`{"type": "${secretish}`),
      parseError(delivery('envelope.sent', { envelope_id: secretish })),
      parseError(delivery('envelope.sent', { envelope_id: 'e' }, secretish)),
      parseError(delivery('signer.signed', { envelope_id: 'e', signer: { email: secretish } })),
    ];
    expect(errors.map((error) => error.message.includes('PRIVATE'))).toEqual([false, false, false, false]);
  });
});
