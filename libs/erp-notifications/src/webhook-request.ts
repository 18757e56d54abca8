import { SIGNATURE_HEADER, signatureHeader } from '@app/common';
import { DOMAIN_EVENT_TYPES, type DomainEvent } from '@app/event-bus';

/** What an endpoint may subscribe to: any domain event type, or `*` for every one (those added later included). */
export const SUBSCRIBABLE_EVENT_TYPES: readonly string[] = ['*', ...DOMAIN_EVENT_TYPES];

/**
 * The JSON an endpoint receives: the domain event as it sits in the outbox. `id` is the event's and is the same on
 * every attempt and every replay (the receiver's deduplication key); `type` says how to read `data`.
 */
export interface WebhookBody {
  id: string;
  type: string;
  occurredAt: string;
  aggregateType: string;
  aggregateId: string;
  correlationId: string;
  causationId: string;
  data: unknown;
}

export function webhookBody(event: DomainEvent): WebhookBody {
  return {
    id: event.id,
    type: event.type,
    occurredAt: event.occurredAt,
    aggregateType: event.aggregateType,
    aggregateId: event.aggregateId,
    correlationId: event.correlationId,
    causationId: event.causationId,
    data: event.data,
  };
}

/**
 * The exact bytes and headers of one call. Signed as SignBridge's calls to provisioning targets are
 * (`X-SignBridge-Signature: t=…,v1=…`), with one `v1` per live secret during a rotation. `Idempotency-Key` and
 * `X-SignBridge-Event-Id` are the event id; `X-SignBridge-Delivery-Id` names this endpoint's copy of it.
 */
export function buildWebhookRequest(
  event: DomainEvent,
  options: { deliveryId: string; secrets: readonly string[]; attempt: number; nowSeconds: number },
): { body: string; headers: Record<string, string> } {
  const body = JSON.stringify(webhookBody(event));
  return {
    body,
    headers: {
      'content-type': 'application/json',
      'user-agent': 'SignBridge-Webhooks/1',
      'idempotency-key': event.id,
      'x-signbridge-event-id': event.id,
      'x-signbridge-event-type': event.type,
      'x-signbridge-delivery-id': options.deliveryId,
      'x-signbridge-attempt': String(options.attempt),
      [SIGNATURE_HEADER.toLowerCase()]: signatureHeader(options.secrets, body, options.nowSeconds),
    },
  };
}
