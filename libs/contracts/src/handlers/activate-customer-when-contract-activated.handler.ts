import { Injectable, OnModuleInit } from '@nestjs/common';
import { causedBy, JobRegistry, writeWithEvents, type DomainEvent, type OutboxRef } from '@app/event-bus';
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
    // The event is written only if the customer was still pending: one statement either way.
    const emitted = await writeWithEvents(
      em,
      {
        activated: {
          text: `UPDATE customers SET status = 'active', activated_at = now(), updated_at = now()
                  WHERE id = $1 AND status = 'pending' RETURNING id`,
          values: [customerId],
        },
      },
      {
        drafts: [{ type: 'CustomerActivated', data: { contractId: event.aggregateId } }],
        context: causedBy(event, 'customer', customerId),
        onlyIf: 'EXISTS (SELECT 1 FROM activated)',
      },
    );
    if (emitted.length === 0) return { outcome: 'skipped', emitted: [] };
    return { outcome: 'done', emitted };
  }
}
