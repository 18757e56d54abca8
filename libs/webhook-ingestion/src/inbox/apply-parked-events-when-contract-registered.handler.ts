import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { JobRegistry, QUEUE_DRIVER, type DomainEvent, type QueueDriver, type SubscriberResult } from '@app/event-bus';
import type { EntityManager } from 'typeorm';

/**
 * Platforms often fire `envelope.sent` before the ERP has stored the envelope id. Those events were parked;
 * once the contract exists they go back to `received` and are processed, oldest first.
 */
@Injectable()
export class ApplyParkedEventsWhenContractRegisteredHandler implements OnModuleInit {
  constructor(
    private readonly registry: JobRegistry,
    @Inject(QUEUE_DRIVER) private readonly queue: QueueDriver,
  ) {}

  onModuleInit(): void {
    this.registry.registerSubscriber('webhook-ingestion.apply-parked-events', (event, em) => this.handle(event, em));
  }

  async handle(event: DomainEvent, em: EntityManager): Promise<SubscriberResult> {
    if (event.type !== 'ContractRegistered') return { outcome: 'skipped', emitted: [] };
    const { provider, envelopeId } = (event as DomainEvent<'ContractRegistered'>).data;
    const rows: { id: string }[] = await em.query(
      `WITH unparked AS (
         UPDATE inbound_events SET status = 'received'
          WHERE provider = $1 AND envelope_id = $2 AND status = 'parked'
          RETURNING id, received_at)
       SELECT id FROM unparked ORDER BY received_at, id`,
      [provider, envelopeId],
    );
    if (rows.length === 0) return { outcome: 'skipped', emitted: [] };
    return {
      outcome: 'done',
      emitted: [],
      afterCommit: () =>
        // A new job id: the queue may still remember the job that parked the event, and would ignore its id.
        this.queue.enqueue(
          rows.map((r) => ({ name: 'inbox.process', id: `${r.id}.unparked`, data: { inboundEventId: r.id } })),
        ),
    };
  }
}
