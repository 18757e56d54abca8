import { verifySignatureHeader } from '@app/common';
import type { DomainEvent } from '@app/event-bus';
import { buildWebhookRequest, SUBSCRIBABLE_EVENT_TYPES } from './webhook-request';

const EVENT: DomainEvent<'InvoiceIssued'> = {
  id: '5f0c6c4e-8d1b-4c39-9a57-1f1f3a0a7b21',
  type: 'InvoiceIssued',
  aggregateType: 'invoice',
  aggregateId: '0b8f9d8e-2f3c-4e7a-b1d1-6a8c1f0e9d42',
  occurredAt: '2026-11-27T10:00:00.000Z',
  correlationId: 'in_1',
  causationId: 'ev_1',
  data: { invoiceId: 'i1', contractId: 'c1', number: 'F2026-000001', totalCents: 121_000, currency: 'EUR' },
};

describe('buildWebhookRequest', () => {
  const options = { deliveryId: 'd1', secrets: ['whsec_new', 'whsec_old'], attempt: 2, nowSeconds: 1_795_000_000 };

  it('sends the event as JSON, its id as the Idempotency-Key, and names the delivery and the attempt', () => {
    const { body, headers } = buildWebhookRequest(EVENT, options);
    expect(JSON.parse(body)).toEqual({
      id: EVENT.id,
      type: 'InvoiceIssued',
      occurredAt: EVENT.occurredAt,
      aggregateType: 'invoice',
      aggregateId: EVENT.aggregateId,
      correlationId: 'in_1',
      causationId: 'ev_1',
      data: EVENT.data,
    });
    expect(headers).toMatchObject({
      'content-type': 'application/json',
      'idempotency-key': EVENT.id,
      'x-signbridge-event-id': EVENT.id,
      'x-signbridge-event-type': 'InvoiceIssued',
      'x-signbridge-delivery-id': 'd1',
      'x-signbridge-attempt': '2',
    });
  });

  it('signs the exact body with every live secret: either one verifies, another does not, nor a changed body', () => {
    const { body, headers } = buildWebhookRequest(EVENT, options);
    const signature = headers['x-signbridge-signature'];
    expect(signature).toMatch(/^t=1795000000,v1=[0-9a-f]{64},v1=[0-9a-f]{64}$/);
    expect(verifySignatureHeader('whsec_new', body, signature, options.nowSeconds)).toBe(true);
    expect(verifySignatureHeader('whsec_old', body, signature, options.nowSeconds)).toBe(true);
    expect(verifySignatureHeader('whsec_other', body, signature, options.nowSeconds)).toBe(false);
    expect(verifySignatureHeader('whsec_new', body.replace('121000', '1'), signature, options.nowSeconds)).toBe(false);
  });

  it('lets an endpoint subscribe to every domain event type, or to all with *', () => {
    expect(SUBSCRIBABLE_EVENT_TYPES).toContain('*');
    expect(SUBSCRIBABLE_EVENT_TYPES).toContain('ContractActivated');
    expect(SUBSCRIBABLE_EVENT_TYPES).toContain('InvoiceSent');
  });
});
