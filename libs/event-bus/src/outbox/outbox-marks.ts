/** The columns that record what has been done with an outbox row, each written by one of its readers. */
export type OutboxMark = 'dispatched_at' | 'settled_at' | 'audited_at' | 'erp_fanout_at';

/**
 * The order in which a statement must lock the outbox rows it writes after their insert: by id, with the lock
 * the UPDATE itself takes (FOR NO KEY UPDATE, so an insert that references a row, a receipt or a delivery, is not
 * held up). Statements that each lock in this one order wait for each other when they share rows, and never
 * deadlock. Append it to a SELECT over `outbox` that is ordered by id.
 */
export const OUTBOX_ROW_LOCK = 'FOR NO KEY UPDATE OF outbox';

/**
 * The statement that sets `mark` to now() on the outbox rows whose ids are in the uuid[] parameter $1, locking
 * them in id order first (see OUTBOX_ROW_LOCK). Before, the marks were plain `UPDATE … WHERE id = ANY(…)` and the
 * ERP fan-out updated its rows in the order of its join: under load they deadlocked a few times per thousand
 * contracts, each costing a second's wait and a pass redone.
 */
export function markOutboxRows(mark: OutboxMark): string {
  return `UPDATE outbox o SET ${mark} = now()
            FROM (SELECT id FROM outbox WHERE id = ANY($1::uuid[]) ORDER BY id ${OUTBOX_ROW_LOCK}) locked
           WHERE o.id = locked.id`;
}
