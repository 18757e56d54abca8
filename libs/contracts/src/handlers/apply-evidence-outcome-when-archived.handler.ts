import { Injectable, OnModuleInit } from '@nestjs/common';
import { JobRegistry, type DomainEvent, type OutboxRef } from '@app/event-bus';
import type { EntityManager } from 'typeorm';
import { applyEvidenceOutcome, type EvidenceOutcome } from '../lifecycle';
import { applySystemTransition } from '../usecases/apply-system-transition';

/** The archive's report (`DocumentsArchived` or `EvidenceRejected`) goes into the contract's activation gate. */
@Injectable()
export class ApplyEvidenceOutcomeWhenArchivedHandler implements OnModuleInit {
  constructor(private readonly registry: JobRegistry) {}

  onModuleInit(): void {
    // Database work only: deliveries waiting together share a transaction.
    this.registry.registerSubscriber('contracts.apply-evidence-outcome', (event, em) => this.handle(event, em), {
      batched: true,
    });
  }

  async handle(event: DomainEvent, em: EntityManager): Promise<{ outcome: 'done' | 'skipped'; emitted: OutboxRef[] }> {
    const outcome = toOutcome(event);
    if (!outcome) return { outcome: 'skipped', emitted: [] };
    const result = await applySystemTransition(em, {
      contractId: event.aggregateId,
      eventKey: `system:evidence:${event.id}`,
      type: outcome.result === 'archived' ? 'evidence_archived' : 'evidence_rejected',
      transition: (state) => applyEvidenceOutcome(state, outcome),
      correlationId: event.correlationId,
      causationId: event.id,
      occurredAt: new Date(event.occurredAt),
      detail: { ...event.data },
    });
    return { outcome: result.changed ? 'done' : 'skipped', emitted: result.emitted };
  }
}

function toOutcome(event: DomainEvent): EvidenceOutcome | undefined {
  const at = new Date(event.occurredAt).toISOString();
  if (event.type === 'DocumentsArchived') {
    const { signedSha256, evidenceSha256 } = (event as DomainEvent<'DocumentsArchived'>).data;
    return { result: 'archived', at, signedSha256, evidenceSha256 };
  }
  if (event.type === 'EvidenceRejected') {
    const { reason, detail } = (event as DomainEvent<'EvidenceRejected'>).data;
    return { result: 'failed', at, reason, detail };
  }
  return undefined;
}
