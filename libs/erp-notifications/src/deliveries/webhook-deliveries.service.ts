import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { modifiedRows, paginateRows, RequestInvalidError, uuidv7Floor, type Page } from '@app/common';
import type { DataSource } from 'typeorm';
import type {
  BackfilledWebhookDeliveries,
  BackfillWebhookDeliveriesDto,
  ListWebhookDeliveriesQueryDto,
  ReplayedWebhookDeliveries,
  ReplayWebhookDeliveriesDto,
  WebhookDeliveryView,
} from '../api/webhook-delivery.dto';
import { ErpNotificationsError } from '../erp-notifications.errors';
import { WebhookDeliveryRunner } from './webhook-delivery-runner';
import type { WebhookDeliveryRow } from './webhook-delivery.row';

/** A delivery's columns and its event's type (from the outbox, not copied), for `d` and `o`. */
const DELIVERY_COLUMNS = 'd.*, o.type AS event_type';

/** Dead deliveries made pending again per bulk replay, and deliveries made per backfill. */
const REPLAY_BATCH = 1000;

/**
 * How far the clock in an event's id (SignBridge's, when it wrote the event) may be from its `created_at` (the
 * database's, when the transaction began): the id range a backfill scans is this much wider than asked for, and
 * `created_at` decides.
 */
const ID_CLOCK_MARGIN_MS = 10 * 60_000;

/** Staff's view of the deliveries, and the replays: one, or an endpoint's dead letters over a time range. */
@Injectable()
export class WebhookDeliveriesService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly runner: WebhookDeliveryRunner,
  ) {}

  async list(query: ListWebhookDeliveriesQueryDto): Promise<Page<WebhookDeliveryView>> {
    const page = await paginateRows<WebhookDeliveryRow>(
      this.dataSource,
      `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries d JOIN outbox o ON o.id = d.event_id`,
      'd',
      [
        ['d.endpoint_id = ?', query.endpointId],
        ['d.status = ?', query.status],
        ['o.type = ?', query.eventType],
        ['d.event_id = ?', query.eventId],
      ],
      query,
    );
    return { items: page.items.map(toView), nextCursor: page.nextCursor };
  }

  async get(id: string): Promise<WebhookDeliveryView> {
    const rows: WebhookDeliveryRow[] = await this.dataSource.query(
      `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries d JOIN outbox o ON o.id = d.event_id WHERE d.id = $1`,
      [id],
    );
    if (!rows[0]) throw notFound(id);
    return toView(rows[0]);
  }

  /**
   * A dead delivery (or a delivered one the ERP lost) is pending again, its attempts reset, due now: the receiver
   * gets the same event id again. Not while it is pending or running, nor to a disabled endpoint.
   */
  async replay(id: string): Promise<WebhookDeliveryView> {
    const rows = await modifiedRows<WebhookDeliveryRow>(
      this.dataSource,
      `UPDATE webhook_deliveries d
          SET status = 'pending', attempts = 0, next_attempt_at = now(), delivered_at = NULL, updated_at = now()
         FROM webhook_endpoints e, outbox o
        WHERE d.id = $1 AND e.id = d.endpoint_id AND o.id = d.event_id AND e.status = 'enabled'
          AND d.status IN ('dead', 'delivered')
        RETURNING ${DELIVERY_COLUMNS}`,
      [id],
    );
    if (rows[0]) {
      await this.runner.dispatchOrLeaveForSweeper(rows);
      return toView(rows[0]);
    }
    const [existing]: { status: string; endpoint_status: string; endpoint_deleted: boolean }[] =
      await this.dataSource.query(
        `SELECT d.status, e.status AS endpoint_status, e.deleted_at IS NOT NULL AS endpoint_deleted
           FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id WHERE d.id = $1`,
        [id],
      );
    if (!existing) throw notFound(id);
    if (existing.endpoint_status !== 'enabled') {
      const detail = existing.endpoint_deleted
        ? 'The endpoint was deleted: its deliveries cannot be replayed'
        : 'The endpoint is disabled: enable it first';
      throw new ErpNotificationsError('WEBHOOK.ENDPOINT_DISABLED', detail, { currentStatus: existing.status });
    }
    throw new ErpNotificationsError(
      'WEBHOOK.NOT_REPLAYABLE',
      `Only a dead or delivered delivery can be replayed; this one is ${existing.status}`,
      { currentStatus: existing.status },
    );
  }

  /** An endpoint's dead deliveries created in [since, until), oldest first, up to REPLAY_BATCH per call. */
  async replayDead(command: ReplayWebhookDeliveriesDto): Promise<ReplayedWebhookDeliveries> {
    await this.requireEnabled(command.endpointId);
    const rows = await modifiedRows<{ id: string; next_attempt_at: Date; more: boolean }>(
      this.dataSource,
      `WITH dead AS (
         SELECT id, created_at FROM webhook_deliveries
          WHERE endpoint_id = $1 AND status = 'dead'
            AND ($2::timestamptz IS NULL OR created_at >= $2) AND ($3::timestamptz IS NULL OR created_at < $3)
          ORDER BY created_at, id
          LIMIT $4 + 1
          FOR UPDATE),
       replayed AS (
         UPDATE webhook_deliveries d
            SET status = 'pending', attempts = 0, next_attempt_at = now(), updated_at = now()
          WHERE d.id IN (SELECT id FROM dead ORDER BY created_at, id LIMIT $4)
          RETURNING d.id, d.next_attempt_at)
       SELECT id, next_attempt_at, (SELECT count(*) FROM dead) > $4 AS more FROM replayed`,
      [command.endpointId, command.since ?? null, command.until ?? null, REPLAY_BATCH],
    );
    await this.runner.dispatchOrLeaveForSweeper(rows);
    return { replayed: rows.length, more: rows[0]?.more ?? false };
  }

  /**
   * The events recorded in [since, until) that the endpoint subscribes to and was never sent (it was registered,
   * or subscribed to their type, after they happened), oldest first, up to REPLAY_BATCH per call: each gets a
   * delivery, due now, as the fan-out would have made it. Running it again sends nothing twice.
   */
  async backfill(endpointId: string, command: BackfillWebhookDeliveriesDto): Promise<BackfilledWebhookDeliveries> {
    const since = new Date(command.since);
    const until = command.until === undefined ? new Date() : new Date(command.until);
    if (!(since < until)) {
      throw RequestInvalidError.forField('until', 'must be after since');
    }
    await this.requireEnabled(endpointId);
    // What the endpoint would have been sent: its types, in the range, not sent already.
    const wanted = `o.created_at >= $4 AND o.created_at < $5
            AND (o.type = ANY (e.event_types) OR '*' = ANY (e.event_types))
            AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.endpoint_id = e.id AND d.event_id = o.id)`;
    const rows = await modifiedRows<{ id: string; next_attempt_at: Date; more: boolean }>(
      this.dataSource,
      // Events with time-ordered ids by a range of the primary key; older ones, with random ids, by their own partial
      // index on created_at (migration OutboxLegacyIds), and first, since they are older than any of the others.
      `WITH endpoint AS (SELECT id, event_types FROM webhook_endpoints WHERE id = $1 AND status = 'enabled'),
       candidates AS (
         (SELECT 0 AS era, o.id, o.created_at FROM outbox o, endpoint e
           WHERE substr(o.id::text, 15, 1) <> '7' AND ${wanted}
           ORDER BY o.created_at, o.id LIMIT $6 + 1)
         UNION ALL
         (SELECT 1 AS era, o.id, o.created_at FROM outbox o, endpoint e
           WHERE o.id >= $2::uuid AND o.id < $3::uuid AND substr(o.id::text, 15, 1) = '7' AND ${wanted}
           ORDER BY o.id LIMIT $6 + 1)),
       missing AS (SELECT id, era, created_at FROM candidates ORDER BY era, created_at, id LIMIT $6 + 1),
       inserted AS (
         INSERT INTO webhook_deliveries (id, endpoint_id, event_id, status, next_attempt_at)
         SELECT gen_random_uuid(), $1, id, 'pending', now()
           FROM (SELECT id FROM missing ORDER BY era, created_at, id LIMIT $6) m
         ON CONFLICT (endpoint_id, event_id) DO NOTHING
         RETURNING id, next_attempt_at)
       SELECT id, next_attempt_at, (SELECT count(*) FROM missing) > $6 AS more FROM inserted`,
      [
        endpointId,
        uuidv7Floor(new Date(since.getTime() - ID_CLOCK_MARGIN_MS)),
        uuidv7Floor(new Date(until.getTime() + ID_CLOCK_MARGIN_MS)),
        since,
        until,
        REPLAY_BATCH,
      ],
    );
    await this.runner.dispatchOrLeaveForSweeper(rows);
    return { backfilled: rows.length, more: rows[0]?.more ?? false };
  }

  private async requireEnabled(endpointId: string): Promise<void> {
    const [endpoint]: { status: string }[] = await this.dataSource.query(
      `SELECT status FROM webhook_endpoints WHERE id = $1 AND deleted_at IS NULL`,
      [endpointId],
    );
    if (!endpoint) {
      throw new ErpNotificationsError('WEBHOOK.ENDPOINT_NOT_FOUND', `No webhook endpoint ${endpointId}`);
    }
    if (endpoint.status !== 'enabled') {
      throw new ErpNotificationsError('WEBHOOK.ENDPOINT_DISABLED', 'The endpoint is disabled: enable it first');
    }
  }
}

function notFound(id: string): ErpNotificationsError {
  return new ErpNotificationsError('WEBHOOK.DELIVERY_NOT_FOUND', `No webhook delivery ${id}`);
}

function toView(row: WebhookDeliveryRow): WebhookDeliveryView {
  return {
    id: row.id,
    endpointId: row.endpoint_id,
    eventId: row.event_id,
    eventType: row.event_type,
    status: row.status,
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at?.toISOString() ?? null,
    lastStatusCode: row.last_status_code,
    lastError: row.last_error,
    failureReason: row.status === 'dead' ? (/^(WEBHOOK\.[A-Z_]+)/.exec(row.last_error ?? '')?.[1] ?? null) : null,
    lastResponse: row.last_response,
    deliveredAt: row.delivered_at?.toISOString() ?? null,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}
