import type { Type as Class } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import type { ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import type { RawQueryable } from '../database/modified-rows';
import { AppError } from '../errors/app-error';

/**
 * Opaque keyset cursor: stable under concurrent inserts, unlike offsets. `createdAt` is the row's time as
 * PostgreSQL holds it, to the microsecond (ISO 8601, UTC): a JavaScript Date keeps milliseconds only, and a cursor
 * cut to them would sort before rows of the same millisecond, serving them again (or forever, page after page).
 */
export interface CursorPosition {
  createdAt: string;
  id: string;
}

/** SQL: a timestamptz column as a cursor's `createdAt`, every microsecond kept. */
function cursorInstantSql(column: string): string {
  return `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
}

export function encodeCursor(position: CursorPosition): string {
  return Buffer.from(JSON.stringify([position.createdAt, position.id])).toString('base64url');
}

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function decodeCursor(cursor: string): CursorPosition {
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    // Checked as strictly as the database would: a cursor must never turn into a 500.
    const at = typeof createdAt === 'string' && ISO_INSTANT.test(createdAt) ? new Date(createdAt) : undefined;
    // The text itself goes to the database, not the Date: that would drop the microseconds.
    if (at && !Number.isNaN(at.getTime()) && typeof id === 'string' && UUID.test(id)) {
      return { createdAt: createdAt as string, id };
    }
  } catch {
    // reported below
  }
  throw new AppError('REQUEST.INVALID', 'The cursor is not one this API returned', {
    fields: [{ field: 'cursor', problem: 'unknown cursor' }],
  });
}

export class PageQueryDto {
  @ApiPropertyOptional({ description: 'Page size', minimum: 1, maximum: 200, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;

  @ApiPropertyOptional({ description: 'The `nextCursor` of the previous page' })
  @IsOptional()
  @IsString()
  cursor?: string;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/**
 * Keyset pagination over (time column, id), oldest first: stable while rows are being inserted. The query builder
 * must read one table, without joins. Fetches `limit + 1` rows; the extra one only says whether there is more.
 */
export async function paginate<E extends ObjectLiteral & { id: string }, T>(
  qb: SelectQueryBuilder<E>,
  keyset: { alias: string; column: string },
  query: { limit?: number; cursor?: string },
  map: (row: E) => T,
): Promise<Page<T>> {
  const limit = query.limit ?? 50;
  const { alias, column } = keyset;
  if (query.cursor) {
    qb.andWhere(`(${alias}.${column}, ${alias}.id) > (:createdAt::timestamptz, :id::uuid)`, decodeCursor(query.cursor));
  }
  // One table, no joins: the raw rows come in the entities' order, one each.
  const { entities, raw } = await qb
    .addSelect(cursorInstantSql(`${alias}.${column}`), 'page_cursor_at')
    .orderBy(`${alias}.${column}`, 'ASC')
    .addOrderBy(`${alias}.id`, 'ASC')
    .limit(limit + 1)
    .getRawAndEntities<{ page_cursor_at: string }>();
  const items = entities.slice(0, limit);
  const last = items.length - 1;
  return {
    items: items.map(map),
    nextCursor:
      entities.length > limit && last >= 0
        ? encodeCursor({ createdAt: raw[last].page_cursor_at, id: items[last].id })
        : null,
  };
}

/**
 * `paginate` for raw SQL: `select` is a statement without WHERE (`SELECT … FROM invoices i`), `alias` the table whose
 * `created_at` and `id` make the keyset. Each filter is a condition with one `?` and its value, left out when the
 * value is undefined; or a condition alone, always applied.
 */
export async function paginateRows<R extends { id: string; created_at: Date }>(
  db: RawQueryable,
  select: string,
  alias: string,
  filters: readonly (string | readonly [condition: string, value: unknown])[],
  query: { limit?: number; cursor?: string },
): Promise<Page<R>> {
  const where: string[] = [];
  const params: unknown[] = [];
  for (const filter of filters) {
    if (typeof filter === 'string') {
      where.push(filter);
      continue;
    }
    const [condition, value] = filter;
    if (value === undefined) continue;
    params.push(value);
    where.push(condition.replace('?', `$${params.length}`));
  }
  if (query.cursor) {
    const position = decodeCursor(query.cursor);
    params.push(position.createdAt, position.id);
    where.push(`(${alias}.created_at, ${alias}.id) > ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
  }
  const limit = query.limit ?? 50;
  params.push(limit + 1);
  const columns = /^\s*SELECT\s+/i.exec(select);
  if (!columns) throw new Error(`paginateRows needs a SELECT statement, not: ${select.slice(0, 40)}`);
  const rows = (await db.query(
    `SELECT ${cursorInstantSql(`${alias}.created_at`)} AS page_cursor_at, ${select.slice(columns[0].length)}
      ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY ${alias}.created_at, ${alias}.id LIMIT $${params.length}`,
    params,
  )) as (R & { page_cursor_at?: string })[];
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  const nextCursor =
    rows.length > limit && last?.page_cursor_at ? encodeCursor({ createdAt: last.page_cursor_at, id: last.id }) : null;
  for (const row of items) delete row.page_cursor_at;
  return { items, nextCursor };
}

/**
 * The response class of a paged list of `item`, for Swagger: `class InvoicePage extends PageOf(InvoiceView) {}`
 * keeps the schema's name and documents `items` and `nextCursor` once for every list.
 */
export function PageOf<T>(item: Class<T>) {
  class PageOfItems implements Page<T> {
    @ApiProperty({ type: [item] }) items!: T[];
    @ApiProperty({ nullable: true, type: String, description: 'Pass as `cursor` for the next page; null on the last' })
    nextCursor!: string | null;
  }
  return PageOfItems;
}
