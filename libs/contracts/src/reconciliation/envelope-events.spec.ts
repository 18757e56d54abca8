import type { EnvelopeSigner, EnvelopeSummary } from '@app/signature-providers';
import { applySignatureEvent, createLifecycle } from '../lifecycle';
import { eventsFromEnvelope } from './envelope-events';

const at = (minute: number) => new Date(Date.UTC(2026, 10, 27, 9, minute));

function signer(email: string, overrides: Partial<EnvelopeSigner> = {}): EnvelopeSigner {
  return {
    email,
    name: email.split('@')[0],
    status: 'delivered',
    signingUrl: null,
    openedAt: null,
    signedAt: null,
    declinedAt: null,
    ip: null,
    userAgent: null,
    authMethod: null,
    level: null,
    otpVerified: null,
    ...overrides,
  };
}

function envelope(overrides: Partial<EnvelopeSummary> = {}): EnvelopeSummary {
  return {
    envelopeId: 'env_1',
    status: 'sent',
    signers: [signer('ana@example.test'), signer('bo@example.test')],
    sentAt: at(0),
    completedAt: null,
    declinedAt: null,
    voidedAt: null,
    expiredAt: null,
    reason: null,
    expiresAt: null,
    ...overrides,
  };
}

describe('eventsFromEnvelope', () => {
  it('finds nothing in an envelope nobody has touched', () => {
    expect(eventsFromEnvelope('sandbox', envelope())).toEqual([]);
  });

  it('reports the first opening, each signature with its details and completion, each at its own instant', () => {
    const events = eventsFromEnvelope(
      'sandbox',
      envelope({
        status: 'completed',
        completedAt: at(9),
        signers: [
          signer('ana@example.test', {
            openedAt: at(3),
            signedAt: at(4),
            ip: '198.51.100.1',
            authMethod: 'email_otp',
            level: 'advanced',
            otpVerified: true,
          }),
          signer('bo@example.test', { openedAt: at(2), signedAt: at(9), level: 'simple', otpVerified: false }),
        ],
      }),
    );
    expect(events.map((e) => [e.providerEventId, e.type, e.occurredAt.toISOString()])).toEqual([
      ['reconciled:opened', 'opened', at(2).toISOString()],
      ['reconciled:signer_signed:ana@example.test', 'signer_signed', at(4).toISOString()],
      ['reconciled:signer_signed:bo@example.test', 'signer_signed', at(9).toISOString()],
      ['reconciled:completed', 'completed', at(9).toISOString()],
    ]);
    expect(events[1]).toMatchObject({
      provider: 'sandbox',
      envelopeId: 'env_1',
      signer: { email: 'ana@example.test', ip: '198.51.100.1', authMethod: 'email_otp', level: 'advanced' },
    });
    expect(events[2].signer).toEqual({ email: 'bo@example.test', name: 'bo', level: 'simple', otpVerified: false });
  });

  it('reports a decline with its reason and who declined, a void and an expiry', () => {
    const declined = eventsFromEnvelope(
      'sandbox',
      envelope({
        declinedAt: at(5),
        reason: 'Wrong address',
        signers: [signer('ana@example.test'), signer('bo@example.test', { declinedAt: at(5) })],
      }),
    );
    expect(declined).toEqual([
      expect.objectContaining({
        type: 'declined',
        reason: 'Wrong address',
        signer: { email: 'bo@example.test' },
        occurredAt: at(5),
      }),
    ]);
    expect(eventsFromEnvelope('sandbox', envelope({ voidedAt: at(6) })).map((e) => e.type)).toEqual(['voided']);
    expect(eventsFromEnvelope('sandbox', envelope({ expiredAt: at(7) })).map((e) => e.type)).toEqual(['expired']);
  });

  it('folds into the lifecycle: a completed envelope signs the contract, and asking twice changes nothing', () => {
    const summary = envelope({
      completedAt: at(9),
      signers: [
        signer('ana@example.test', { signedAt: at(4), level: 'advanced' }),
        signer('bo@example.test', { signedAt: at(8), level: 'advanced' }),
      ],
    });
    let state = createLifecycle({
      customerId: 'c1',
      signers: [
        { email: 'ana@example.test', name: 'Ana' },
        { email: 'bo@example.test', name: 'Bo' },
      ],
      requiredLevel: 'advanced',
      sentAt: at(0),
    }).state;
    for (const event of eventsFromEnvelope('sandbox', summary)) state = applySignatureEvent(state, event).state;
    expect(state.status).toBe('active');
    const again = eventsFromEnvelope('sandbox', summary).map((event) => applySignatureEvent(state, event));
    expect(again.map((t) => t.outcome)).toEqual(['duplicate', 'duplicate', 'duplicate']);
    expect(again.every((t) => t.state === state && t.effects.length === 0)).toBe(true);
  });
});
