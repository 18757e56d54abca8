import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { RunKind } from '../runs/provisioning-run.row';

/** Inserts pending runs, due now; those whose (contract, action, kind) already exists are left alone and not returned. */
export async function insertRuns(
  em: EntityManager,
  contractId: string,
  customerId: string,
  kind: RunKind,
  actions: readonly { action: string; params: Record<string, unknown> }[],
): Promise<{ id: string; next_attempt_at: Date }[]> {
  if (actions.length === 0) return [];
  return em.query(
    `INSERT INTO provisioning_orders (id, contract_id, customer_id, action, kind, params, status, attempts, next_attempt_at)
     SELECT id, $2::uuid, $3::uuid, action, $4, params, 'pending', 0, now()
       FROM unnest($1::uuid[], $5::text[], $6::jsonb[]) AS a (id, action, params)
     ON CONFLICT (contract_id, action, kind) DO NOTHING
     RETURNING id, next_attempt_at`,
    [
      actions.map(() => randomUUID()),
      contractId,
      customerId,
      kind,
      actions.map((a) => a.action),
      actions.map((a) => JSON.stringify(a.params)),
    ],
  );
}
