import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { appendToOutbox, type DomainEventDraft, type OutboxRef } from '@app/event-bus';
import type { SignatureEvent } from '@app/signature-providers';
import type { EntityManager } from 'typeorm';
import { applySignatureEvent, type LifecycleState } from '../lifecycle';
import { lockEnvelope } from './envelope-lock';

export type ApplySignatureEventsResult = { found: false } | { found: true; contractId: string; emitted: OutboxRef[] };

interface TimelineRow {
  eventKey: string;
  type: string;
  outcome: string;
  anomaly: string | null;
  statusBefore: string;
  statusAfter: string;
  occurredAt: string;
  detail: Record<string, unknown>;
}

/**
 * The lifecycle's input port: applies one inbound delivery's canonical events to its contract, inside the
 * caller's transaction and under the contract's row lock. Writes the new state, one timeline entry per
 * event and the domain events to the outbox, all in that one transaction.
 */
@Injectable()
export class ApplySignatureEventsUseCase {
  async execute(
    em: EntityManager,
    input: { provider: string; envelopeId: string; events: SignatureEvent[]; inboundEventId: string },
  ): Promise<ApplySignatureEventsResult> {
    await lockEnvelope(em, input.provider, input.envelopeId);
    const rows: { id: string; lifecycle: LifecycleState }[] = await em.query(
      `SELECT id, lifecycle FROM contracts WHERE provider = $1 AND envelope_id = $2 FOR UPDATE`,
      [input.provider, input.envelopeId],
    );
    const contract = rows[0];
    if (!contract) return { found: false };

    const initial = contract.lifecycle;
    let state = initial;
    const drafts: DomainEventDraft[] = [];
    const timeline: TimelineRow[] = [];
    for (const event of input.events) {
      const transition = applySignatureEvent(state, event);
      timeline.push({
        eventKey: event.providerEventId,
        type: event.type,
        outcome: transition.outcome,
        anomaly: transition.anomaly ?? null,
        statusBefore: state.status,
        statusAfter: transition.state.status,
        occurredAt: event.occurredAt.toISOString(),
        detail: {
          ...(event.signer ? { signer: event.signer } : {}),
          ...(event.reason ? { reason: event.reason } : {}),
          effects: transition.effects.map((e) => e.type),
        },
      });
      drafts.push(...transition.effects);
      state = transition.state;
    }

    await insertTimeline(em, contract.id, input.inboundEventId, timeline);
    if (state !== initial) {
      await em.query(`UPDATE contracts SET status = $2, lifecycle = $3, updated_at = now() WHERE id = $1`, [
        contract.id,
        state.status,
        JSON.stringify(state),
      ]);
    }
    const emitted = await appendToOutbox(em, drafts, {
      aggregateType: 'contract',
      aggregateId: contract.id,
      correlationId: input.inboundEventId,
      causationId: input.inboundEventId,
      occurredAt: new Date(),
    });
    return { found: true, contractId: contract.id, emitted };
  }
}

async function insertTimeline(em: EntityManager, contractId: string, inboundEventId: string, rows: TimelineRow[]) {
  if (rows.length === 0) return;
  // ON CONFLICT: a replayed delivery finds its entries already there and adds none.
  await em.query(
    `INSERT INTO contract_timeline
       (id, contract_id, event_key, kind, type, outcome, anomaly, status_before, status_after, occurred_at, inbound_event_id, detail)
     SELECT id, $2, event_key, 'provider_event', type, outcome, anomaly, status_before, status_after, occurred_at, $3, detail
       FROM unnest($1::uuid[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::timestamptz[], $11::jsonb[])
         AS t(id, event_key, type, outcome, anomaly, status_before, status_after, occurred_at, detail)
     ON CONFLICT (contract_id, event_key) DO NOTHING`,
    [
      rows.map(() => randomUUID()),
      contractId,
      inboundEventId,
      rows.map((r) => r.eventKey),
      rows.map((r) => r.type),
      rows.map((r) => r.outcome),
      rows.map((r) => r.anomaly),
      rows.map((r) => r.statusBefore),
      rows.map((r) => r.statusAfter),
      rows.map((r) => r.occurredAt),
      rows.map((r) => JSON.stringify(r.detail)),
    ],
  );
}
