import { oneStatement, uuidv7, type RawQueryable, type SqlStatement } from '@app/common';
import type { EntityManager } from 'typeorm';
import type { DomainEvent, DomainEventDraft } from '../domain-events';

export interface OutboxContext {
  aggregateType: DomainEvent['aggregateType'];
  aggregateId: string;
  correlationId: string;
  causationId: string;
  occurredAt: Date;
}

/**
 * The context of events a subscriber writes in answer to `cause`: the same correlation, caused by it, occurring
 * now, on the given aggregate.
 */
export function causedBy(
  cause: DomainEvent,
  aggregateType: DomainEvent['aggregateType'],
  aggregateId: string,
): OutboxContext {
  return {
    aggregateType,
    aggregateId,
    correlationId: cause.correlationId,
    causationId: cause.id,
    occurredAt: new Date(),
  };
}

/** What the relay needs to fan an event out: its id and type. */
export interface OutboxRef {
  id: string;
  type: string;
}

/**
 * Writes domain events into the outbox inside the caller's transaction, so they exist if and only if the
 * change they report was committed. Returns their ids for the relay to dispatch after commit.
 */
export async function appendToOutbox(
  em: EntityManager,
  drafts: readonly DomainEventDraft[],
  context: OutboxContext,
): Promise<OutboxRef[]> {
  const insert = outboxInsert(drafts, context);
  if (!insert) return [];
  await em.query(insert.statement.text, insert.statement.values);
  return insert.refs;
}

/**
 * The outbox rows of `drafts` as a statement of their own (returning their ids), for callers that send it
 * together with their other writes (`oneStatement`); `undefined` when there is nothing to write. Each draft has
 * `context`, or its own context at the same index when given a list. With `onlyIf`, a SQL condition (on the
 * parts of the same statement, say), the rows are written only when it holds: `writeWithEvents` then tells
 * which were.
 */
export function outboxInsert(
  drafts: readonly DomainEventDraft[],
  context: OutboxContext | readonly OutboxContext[],
  onlyIf?: string,
): { statement: SqlStatement; refs: OutboxRef[] } | undefined {
  if (drafts.length === 0) return undefined;
  const contexts = Array.isArray(context)
    ? (context as readonly OutboxContext[])
    : drafts.map(() => context as OutboxContext);
  if (contexts.length !== drafts.length) throw new Error('outboxInsert: one context per draft');
  // Time-ordered: the primary key grows at its right edge, and a time range of events is a range of ids.
  const ids = drafts.map(() => uuidv7());
  return {
    statement: {
      text: `INSERT INTO outbox (id, type, aggregate_type, aggregate_id, payload, correlation_id, causation_id, occurred_at)
     SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::uuid[], $5::jsonb[], $6::text[], $7::text[], $8::timestamptz[])${
       onlyIf ? `\n      WHERE ${onlyIf}` : ''
     }
     RETURNING id`,
      values: [
        ids,
        drafts.map((d) => d.type),
        contexts.map((c) => c.aggregateType),
        contexts.map((c) => c.aggregateId),
        drafts.map((d) => JSON.stringify(d.data)),
        contexts.map((c) => c.correlationId),
        contexts.map((c) => c.causationId),
        contexts.map((c) => c.occurredAt.toISOString()),
      ],
    },
    refs: ids.map((id, i) => ({ id, type: drafts[i].type })),
  };
}

/**
 * A step's writes (`parts`, see `oneStatement`) and the domain events they report, sent as one statement in
 * the caller's transaction. Returns the events written, for the relay to dispatch after commit: all of them, or
 * with `onlyIf` (a SQL condition on the parts, e.g. `EXISTS (SELECT 1 FROM updated)`) none when it did not hold.
 */
export async function writeWithEvents(
  db: RawQueryable,
  parts: Record<string, SqlStatement | undefined>,
  events: { drafts: readonly DomainEventDraft[]; context: OutboxContext | readonly OutboxContext[]; onlyIf?: string },
): Promise<OutboxRef[]> {
  const insert = outboxInsert(events.drafts, events.context, events.onlyIf);
  if (!insert) {
    const statement = oneStatement(parts);
    await db.query(statement.text, statement.values);
    return [];
  }
  const statement = oneStatement({ ...parts, events: insert.statement }, { text: 'SELECT id FROM events', values: [] });
  const written = new Set(((await db.query(statement.text, statement.values)) as { id: string }[]).map((r) => r.id));
  return insert.refs.filter((ref) => written.has(ref.id));
}

/** An outbox row as selected by `outboxEventColumns()`. */
export interface OutboxRow {
  id: string;
  type: string;
  aggregate_type: DomainEvent['aggregateType'];
  aggregate_id: string;
  payload: DomainEvent['data'];
  correlation_id: string;
  causation_id: string;
  occurred_at: Date;
}

const EVENT_COLUMNS = [
  'id',
  'type',
  'aggregate_type',
  'aggregate_id',
  'payload',
  'correlation_id',
  'causation_id',
  'occurred_at',
] as const;

/** The columns `toDomainEvent` reads, for queries that select whole events; qualified by `alias` if given. */
export function outboxEventColumns(alias?: string): string {
  return EVENT_COLUMNS.map((column) => (alias ? `${alias}.${column}` : column)).join(', ');
}

export function toDomainEvent(row: OutboxRow): DomainEvent {
  return {
    id: row.id,
    type: row.type as DomainEvent['type'],
    aggregateType: row.aggregate_type,
    aggregateId: row.aggregate_id,
    occurredAt: row.occurred_at.toISOString(),
    correlationId: row.correlation_id,
    causationId: row.causation_id,
    data: row.payload,
  };
}
