import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { modifiedRows, paginateRows, type Page } from '@app/common';
import type { DataSource } from 'typeorm';
import type {
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

/** Dead deliveries made pending again per bulk replay. */
const REPLAY_BATCH = 1000;

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
    const [existing]: { status: string; endpoint_status: string }[] = await this.dataSource.query(
      `SELECT d.status, e.status AS endpoint_status
         FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id WHERE d.id = $1`,
      [id],
    );
    if (!existing) throw notFound(id);
    if (existing.endpoint_status !== 'enabled') {
      throw new ErpNotificationsError('WEBHOOK.ENDPOINT_DISABLED', 'The endpoint is disabled: enable it first', {
        currentStatus: existing.status,
      });
    }
    throw new ErpNotificationsError(
      'WEBHOOK.NOT_REPLAYABLE',
      `Only a dead or delivered delivery can be replayed; this one is ${existing.status}`,
      { currentStatus: existing.status },
    );
  }

  /** An endpoint's dead deliveries created in [since, until), oldest first, up to REPLAY_BATCH per call. */
  async replayDead(command: ReplayWebhookDeliveriesDto): Promise<ReplayedWebhookDeliveries> {
    const [endpoint]: { status: string }[] = await this.dataSource.query(
      `SELECT status FROM webhook_endpoints WHERE id = $1`,
      [command.endpointId],
    );
    if (!endpoint) {
      throw new ErpNotificationsError('WEBHOOK.ENDPOINT_NOT_FOUND', `No webhook endpoint ${command.endpointId}`);
    }
    if (endpoint.status !== 'enabled') {
      throw new ErpNotificationsError('WEBHOOK.ENDPOINT_DISABLED', 'The endpoint is disabled: enable it first');
    }
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
