import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { SqlStatement } from '@app/common';
import { writeWithEvents, type DomainEventDraft, type OutboxContext, type OutboxRef } from '@app/event-bus';
import type { SignatureEvent } from '@app/signature-providers';
import type { EntityManager } from 'typeorm';
import { applySignatureEvent, type ContractStatus, type LifecycleState } from '../lifecycle';
import { lockEnvelope } from './envelope-lock';

export type ApplySignatureEventsResult =
  | { found: false }
  | {
      found: true;
      contractId: string;
      /** The contract's status after the events. */
      status: ContractStatus;
      /** Timeline entries the events made (a reconciler's event that told nothing new makes none). */
      entries: number;
      emitted: OutboxRef[];
    };

/** Canonical events from one source, in the platform's order. */
export interface InboundDelivery {
  /** What the domain events are correlated with: the stored delivery that carried them, or the reconciliation. */
  id: string;
  /**
   * `webhook`: a stored delivery of the platform's (`inbound_events`). `reconciler`: read from the platform's API;
   * an event that changes nothing (a duplicate, or an anomaly such as an unknown signer) then leaves no timeline
   * entry: the API repeats the whole envelope at every check.
   */
  source: 'webhook' | 'reconciler';
  events: SignatureEvent[];
}

interface TimelineRow {
  eventKey: string;
  kind: 'provider_event' | 'reconciled';
  inboundEventId: string | null;
  type: string;
  outcome: string;
  anomaly: string | null;
  statusBefore: string;
  statusAfter: string;
  occurredAt: string;
  detail: Record<string, unknown>;
}

/**
 * The lifecycle's input port: applies the canonical events of one envelope's deliveries, in order, to its
 * contract, inside the caller's transaction and under the envelope's lock and the contract's row lock. Writes
 * the new state, one timeline entry per event and the domain events to the outbox (each event correlated with
 * its delivery) in one statement, together with the caller's `alongside` writes. When the envelope has no
 * contract nothing is written, `alongside` included.
 */
@Injectable()
export class ApplySignatureEventsUseCase {
  async execute(
    em: EntityManager,
    input: { provider: string; envelopeId: string; deliveries: InboundDelivery[] },
    alongside: Record<string, SqlStatement | undefined> = {},
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
    const contexts: OutboxContext[] = [];
    const timeline: TimelineRow[] = [];
    const now = new Date();
    for (const delivery of input.deliveries) {
      for (const event of delivery.events) {
        const transition = applySignatureEvent(state, event);
        const reconciled = delivery.source === 'reconciler';
        // The platform's API repeats what the contract knows at every check: only what changes it is an entry.
        if (reconciled && transition.state === state) continue;
        timeline.push({
          eventKey: event.providerEventId,
          kind: reconciled ? 'reconciled' : 'provider_event',
          inboundEventId: reconciled ? null : delivery.id,
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
        for (const effect of transition.effects) {
          drafts.push(effect);
          contexts.push({
            aggregateType: 'contract',
            aggregateId: contract.id,
            correlationId: delivery.id,
            causationId: delivery.id,
            occurredAt: now,
          });
        }
        state = transition.state;
      }
    }

    const emitted = await writeWithEvents(
      em,
      {
        ...alongside,
        timeline: timelineInsert(contract.id, timeline),
        contract:
          state === initial
            ? undefined
            : {
                text: `UPDATE contracts SET status = $2, lifecycle = $3, updated_at = now() WHERE id = $1`,
                values: [contract.id, state.status, JSON.stringify(state)],
              },
      },
      { drafts, context: contexts },
    );
    return { found: true, contractId: contract.id, status: state.status, entries: timeline.length, emitted };
  }
}

/** ON CONFLICT: a replayed delivery finds its entries already there and adds none. */
function timelineInsert(contractId: string, rows: TimelineRow[]): SqlStatement | undefined {
  if (rows.length === 0) return undefined;
  return {
    text: `INSERT INTO contract_timeline
             (id, contract_id, event_key, kind, type, outcome, anomaly, status_before, status_after, occurred_at,
              inbound_event_id, detail)
           SELECT id, $2, event_key, kind, type, outcome, anomaly, status_before, status_after, occurred_at,
                  inbound_event_id, detail
             FROM unnest($1::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
                         $9::timestamptz[], $10::uuid[], $11::jsonb[], $12::text[])
               AS t(id, event_key, type, outcome, anomaly, status_before, status_after, occurred_at, inbound_event_id,
                    detail, kind)
           ON CONFLICT (contract_id, event_key) DO NOTHING`,
    values: [
      rows.map(() => randomUUID()),
      contractId,
      rows.map((r) => r.eventKey),
      rows.map((r) => r.type),
      rows.map((r) => r.outcome),
      rows.map((r) => r.anomaly),
      rows.map((r) => r.statusBefore),
      rows.map((r) => r.statusAfter),
      rows.map((r) => r.occurredAt),
      rows.map((r) => r.inboundEventId),
      rows.map((r) => JSON.stringify(r.detail)),
      rows.map((r) => r.kind),
    ],
  };
}
