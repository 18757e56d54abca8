import type { DomainEvent } from '@app/event-bus';
import { splitEventPayload } from './domain-event-audit-data';

function event(type: DomainEvent['type'], data: object): DomainEvent {
  return {
    id: 'e',
    type,
    aggregateType: 'contract',
    aggregateId: 'c',
    occurredAt: '2026-11-26T10:15:00.000Z',
    correlationId: 'x',
    causationId: 'x',
    data,
  } as DomainEvent;
}

describe('splitEventPayload', () => {
  it('keeps e-mail addresses out of what is hashed', () => {
    expect(
      splitEventPayload(event('SignerSigned', { email: 'ana@acme.example', at: '2026-11-26T10:15:00Z', level: 'qes' })),
    ).toEqual({ data: { at: '2026-11-26T10:15:00Z', level: 'qes' }, personal: { email: 'ana@acme.example' } });
    expect(splitEventPayload(event('ContractSigned', { signers: ['a@x.test', 'b@x.test'] }))).toEqual({
      data: { signerCount: 2 },
      personal: { signers: ['a@x.test', 'b@x.test'] },
    });
    expect(splitEventPayload(event('SignerAuthenticationFailed', { at: '2026-11-26T10:15:00Z' }))).toEqual({
      data: { at: '2026-11-26T10:15:00Z' },
    });
  });

  it('treats free text from signers and mail servers as personal', () => {
    expect(splitEventPayload(event('ContractDeclined', { at: 't', reason: 'Ana: not my price' }))).toEqual({
      data: { at: 't' },
      personal: { reason: 'Ana: not my price' },
    });
  });

  it('keeps events without personal data whole', () => {
    const data = { customerId: 'cu', reason: 'SIGNATURE.LEVEL_TOO_LOW', detail: 'lowest level is simple' };
    expect(splitEventPayload(event('ContractPutOnHold', data))).toEqual({ data });
  });

  it('keeps the whole payload of a type this build does not know as personal data, and does not fail', () => {
    const data = { customerId: 'cu', note: 'written by a newer build' };
    const unknown = { ...event('ContractOpened', data), type: 'ContractRenegotiated' } as unknown as DomainEvent;
    expect(splitEventPayload(unknown)).toEqual({ data: {}, personal: data });
  });
});
