import { randomUUID } from 'node:crypto';

import { writeWithEvents, type OutboxRef } from '@app/event-bus';
import type { EntityManager } from 'typeorm';
import { ContractsError } from '../contracts.errors';
import type { LifecycleState, Transition } from '../lifecycle';
import { ENVELOPE_LOCK_KEY_SQL } from './envelope-lock';

export interface SystemTransitionInput {
  contractId: string;
  /** Unique per cause (`system:evidence:<event id>`): a repeat adds no second timeline entry. */
  eventKey: string;
  /** The timeline's `type`, e.g. `evidence_archived`, `hold_released`. */
  type: string;
  transition: (state: LifecycleState) => Transition;
  correlationId: string;
  causationId: string;
  occurredAt: Date;
  detail: Record<string, unknown>;
}

export interface SystemTransitionResult {
  changed: boolean;
  before: LifecycleState;
  after: LifecycleState;
  emitted: OutboxRef[];
}

/**
 * A lifecycle change that does not come from the platform (the archive's report, a staff release), under the
 * same locks as the platform's events: the envelope's advisory lock, then the contract row.
 */
export async function applySystemTransition(
  em: EntityManager,
  input: SystemTransitionInput,
): Promise<SystemTransitionResult> {
  // The envelope's lock, found and taken in one statement; the row is read after it, in a statement of its own.
  const locked: unknown[] = await em.query(
    `SELECT pg_advisory_xact_lock(hashtextextended(${ENVELOPE_LOCK_KEY_SQL}, 0)) FROM contracts WHERE id = $1`,
    [input.contractId],
  );
  if (locked.length === 0) throw new ContractsError('CONTRACT.NOT_FOUND', `No contract with id ${input.contractId}`);
  const rows: { lifecycle: LifecycleState }[] = await em.query(
    `SELECT lifecycle FROM contracts WHERE id = $1 FOR UPDATE`,
    [input.contractId],
  );
  const before = rows[0].lifecycle;
  const transition = input.transition(before);
  if (transition.state === before) return { changed: false, before, after: before, emitted: [] };

  const after = transition.state;
  // The new state, its timeline entry and its events: one statement.
  const emitted = await writeWithEvents(
    em,
    {
      contract: {
        text: `UPDATE contracts SET status = $2, lifecycle = $3, updated_at = now() WHERE id = $1`,
        values: [input.contractId, after.status, JSON.stringify(after)],
      },
      timeline: {
        text: `INSERT INTO contract_timeline (id, contract_id, event_key, kind, type, outcome, status_before, status_after, occurred_at, detail)
             VALUES ($1, $2, $3, 'system', $4, $5, $6, $7, $8, $9)
             ON CONFLICT (contract_id, event_key) DO NOTHING`,
        values: [
          randomUUID(),
          input.contractId,
          input.eventKey,
          input.type,
          transition.outcome,
          before.status,
          after.status,
          input.occurredAt.toISOString(),
          JSON.stringify({ ...input.detail, effects: transition.effects.map((e) => e.type) }),
        ],
      },
    },
    {
      drafts: transition.effects,
      context: {
        aggregateType: 'contract',
        aggregateId: input.contractId,
        correlationId: input.correlationId,
        causationId: input.causationId,
        occurredAt: input.occurredAt,
      },
    },
  );
  return { changed: true, before, after, emitted };
}
