import { Injectable, OnModuleInit } from '@nestjs/common';
import { modifiedRows } from '@app/common';
import { appendToOutbox, JobRegistry, type DomainEvent, type OutboxRef } from '@app/event-bus';
import type { EntityManager } from 'typeorm';

/** The customer goes pending → active with its first active contract; later activations change nothing. */
@Injectable()
export class ActivateCustomerWhenContractActivatedHandler implements OnModuleInit {
  constructor(private readonly registry: JobRegistry) {}

  onModuleInit(): void {
    // Database work only: deliveries waiting together share a transaction.
    this.registry.registerSubscriber('contracts.activate-customer', (event, em) => this.handle(event, em), {
      batched: true,
    });
  }

  async handle(event: DomainEvent, em: EntityManager): Promise<{ outcome: 'done' | 'skipped'; emitted: OutboxRef[] }> {
    if (event.type !== 'ContractActivated') return { outcome: 'skipped', emitted: [] };
    const { customerId } = (event as DomainEvent<'ContractActivated'>).data;
    const updated = await modifiedRows(
      em,
      `UPDATE customers SET status = 'active', activated_at = now(), updated_at = now()
        WHERE id = $1 AND status = 'pending' RETURNING id`,
      [customerId],
    );
    if (updated.length === 0) return { outcome: 'skipped', emitted: [] };
    const emitted = await appendToOutbox(em, [{ type: 'CustomerActivated', data: { contractId: event.aggregateId } }], {
      aggregateType: 'customer',
      aggregateId: customerId,
      correlationId: event.correlationId,
      causationId: event.id,
      occurredAt: new Date(),
    });
    return { outcome: 'done', emitted };
  }
}
