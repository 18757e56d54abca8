import { Injectable, OnModuleInit } from '@nestjs/common';
import { JobRegistry, type DomainEvent, type SubscriberResult } from '@app/event-bus';
import type { EntityManager } from 'typeorm';
import { AuditLog } from './audit-log';
import { splitEventPayload } from './domain-event-audit-data';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * `archive.audit-log`: one chain entry per domain event, appended by the subscriber (off the webhook hot path),
 * exactly once through the runner's receipt, which commits in the same transaction as the entry.
 */
@Injectable()
export class RecordAuditEntryWhenDomainEventHandler implements OnModuleInit {
  constructor(private readonly registry: JobRegistry) {}

  onModuleInit(): void {
    this.registry.registerSubscriber('archive.audit-log', (event, em) => this.handle(event, em));
  }

  async handle(event: DomainEvent, em: EntityManager): Promise<SubscriberResult> {
    const { data, personal } = splitEventPayload(event);
    await AuditLog.append(em, {
      actor: await actorOf(event, em),
      action: event.type,
      subject: `${event.aggregateType}:${event.aggregateId}`,
      data: {
        eventId: event.id,
        occurredAt: event.occurredAt,
        correlationId: event.correlationId,
        causationId: event.causationId,
        payload: data,
      },
      personal,
    });
    return { outcome: 'done', emitted: [] };
  }
}

/** `provider:<name>` when a provider's webhook directly caused the event, otherwise `system`. */
async function actorOf(event: DomainEvent, em: EntityManager): Promise<string> {
  if (!UUID.test(event.causationId)) return 'system';
  const rows: { provider: string }[] = await em.query(`SELECT provider FROM inbound_events WHERE id = $1`, [
    event.causationId,
  ]);
  return rows[0] ? `provider:${rows[0].provider}` : 'system';
}
