import { randomBytes, randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import {
  IDEMPOTENCY_ERRORS,
  idempotencyDigest,
  modifiedRows,
  paginateRows,
  REDACTED,
  redactUrl,
  RequestInvalidError,
  type IdempotencyScope,
  type Page,
} from '@app/common';
import type { DataSource } from 'typeorm';
import type {
  CreateWebhookEndpointDto,
  UpdateWebhookEndpointDto,
  WebhookEndpointView,
  WebhookEndpointWithSecretView,
} from '../api/webhook-endpoint.dto';
import { WebhookDeliveryRunner } from '../deliveries/webhook-delivery-runner';
import { ErpNotificationsError, type DeliveryFailureReason } from '../erp-notifications.errors';

/** How a waiting delivery of a deleted endpoint ends (its `last_error` starts with it). */
const DELETED: DeliveryFailureReason = 'WEBHOOK.ENDPOINT_DELETED';

/** A row of `webhook_endpoints`. */
interface EndpointRow {
  id: string;
  url: string;
  description: string | null;
  event_types: string[];
  secret: string;
  status: 'enabled' | 'disabled';
  disabled_reason: string | null;
  previous_secret_expires_at: Date | null;
  request_key: string | null;
  rotation_request_key: string | null;
  consecutive_failures: number;
  failing_since: Date | null;
  circuit_open_until: Date | null;
  max_in_flight: number | null;
  max_per_second: number | null;
  created_at: Date;
  updated_at: Date;
}

/** The ERP's webhook endpoints: registered, changed, disabled and their secrets rotated by an admin key. */
@Injectable()
export class WebhookEndpointsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly runner: WebhookDeliveryRunner,
  ) {}

  /**
   * A new endpoint, enabled, with a new secret: it receives the subscribed events that happen from now on. As for
   * customers, a request with an Idempotency-Key leaves its digest on the row: a retry whose stored answer was lost
   * gets the endpoint it created (with its secret), not a second one.
   */
  async create(
    input: CreateWebhookEndpointDto & { idempotency?: IdempotencyScope },
  ): Promise<WebhookEndpointWithSecretView> {
    refuseRedactedPassword(input.url);
    const requestKey = input.idempotency ? idempotencyDigest(input.idempotency) : null;
    const rows: EndpointRow[] = await this.dataSource.query(
      `INSERT INTO webhook_endpoints
         (id, url, description, event_types, secret, status, request_key, max_in_flight, max_per_second)
       VALUES ($1, $2, $3, $4, $5, 'enabled', $6, $7, $8)
       ON CONFLICT DO NOTHING RETURNING *`,
      [
        randomUUID(),
        input.url,
        input.description ?? null,
        input.eventTypes,
        newSecret(),
        requestKey,
        input.maxInFlight ?? null,
        input.maxPerSecond ?? null,
      ],
    );
    if (rows[0]) return withSecret(rows[0]);
    const [existing]: EndpointRow[] = await this.dataSource.query(
      `SELECT * FROM webhook_endpoints WHERE request_key = $1`,
      [requestKey],
    );
    if (!existing) throw new Error('webhook_endpoints: a conflict on the request key but no row found');
    if (existing.url !== input.url) {
      throw new ErpNotificationsError(
        IDEMPOTENCY_ERRORS.KEY_REUSED,
        'This Idempotency-Key already created another webhook endpoint; use a new key for a new request',
      );
    }
    return withSecret(existing);
  }

  async list(query: { limit?: number; cursor?: string }): Promise<Page<WebhookEndpointView>> {
    const page = await paginateRows<EndpointRow>(
      this.dataSource,
      'SELECT * FROM webhook_endpoints e',
      'e',
      ['e.deleted_at IS NULL'],
      query,
    );
    return { items: page.items.map(toView), nextCursor: page.nextCursor };
  }

  async get(id: string): Promise<WebhookEndpointView> {
    const rows: EndpointRow[] = await this.dataSource.query(
      `SELECT * FROM webhook_endpoints WHERE id = $1 AND deleted_at IS NULL`,
      [id],
    );
    if (!rows[0]) throw notFound(id);
    return toView(rows[0]);
  }

  /**
   * Gone from lists and views, disabled, its secrets erased; the row stays, since its deliveries are the record of
   * what the ERP was sent. Its deliveries still waiting end `dead` (WEBHOOK.ENDPOINT_DELETED) at once; a call under
   * way ends as its answer says. Deleting is final: register a new endpoint instead.
   */
  async delete(id: string): Promise<void> {
    const rows = await modifiedRows<{ id: string }>(
      this.dataSource,
      `WITH gone AS (
         UPDATE webhook_endpoints
            SET status = 'disabled', deleted_at = now(), updated_at = now(),
                secret = '', previous_secret = NULL, previous_secret_expires_at = NULL, circuit_open_until = NULL
          WHERE id = $1 AND deleted_at IS NULL
          RETURNING id),
       ended AS (
         UPDATE webhook_deliveries d
            SET status = 'dead', next_attempt_at = NULL, held = false, updated_at = now(),
                last_error = $2::text || ': the endpoint was deleted before this delivery was made'
           FROM gone
          WHERE d.endpoint_id = gone.id AND d.status = 'pending')
       SELECT id FROM gone`,
      [id, DELETED],
    );
    if (!rows[0]) throw notFound(id);
  }

  /**
   * Changes what is given. Disabling ends the endpoint's waiting deliveries `dead` as their next call comes up;
   * enabling (again) clears the reason SignBridge disabled it for and closes its circuit, and events are fanned out
   * to it from then on.
   */
  async update(id: string, change: UpdateWebhookEndpointDto): Promise<WebhookEndpointView> {
    if (change.url !== undefined) refuseRedactedPassword(change.url);
    const status = change.enabled === undefined ? null : change.enabled ? 'enabled' : 'disabled';
    const rows = await modifiedRows<EndpointRow>(
      this.dataSource,
      `UPDATE webhook_endpoints
          SET url = coalesce($2, url), event_types = coalesce($3, event_types),
              description = coalesce($4, description), status = coalesce($5, status),
              disabled_reason = CASE WHEN $5 IS NULL THEN disabled_reason END, updated_at = now(),
              consecutive_failures = CASE WHEN $5 = 'enabled' THEN 0 ELSE consecutive_failures END,
              failing_since = CASE WHEN $5 = 'enabled' THEN NULL ELSE failing_since END,
              circuit_open_until = CASE WHEN $5 = 'enabled' THEN NULL ELSE circuit_open_until END,
              circuit_cooldown_ms = CASE WHEN $5 = 'enabled' THEN NULL ELSE circuit_cooldown_ms END,
              max_in_flight = CASE WHEN $6::boolean THEN $7::int ELSE max_in_flight END,
              max_per_second = CASE WHEN $8::boolean THEN $9::int ELSE max_per_second END
        WHERE id = $1 AND deleted_at IS NULL
        RETURNING *`,
      [
        id,
        change.url ?? null,
        change.eventTypes ?? null,
        change.description ?? null,
        status,
        change.maxInFlight !== undefined,
        change.maxInFlight ?? null,
        change.maxPerSecond !== undefined,
        change.maxPerSecond ?? null,
      ],
    );
    if (!rows[0]) throw notFound(id);
    // Changed limits: the deliveries held for a free place or waiting for their time try again under the new ones.
    if (change.maxInFlight !== undefined || change.maxPerSecond !== undefined) await this.runner.limitsChanged(id);
    return toView(rows[0]);
  }

  /**
   * A new secret; calls carry a signature with the previous one too for `keepPreviousHours` (a second `v1`), so
   * the ERP can switch over without refusing a call. A request with an Idempotency-Key leaves its digest on the row:
   * a retry whose stored answer was lost gets the secret that rotation made, not a second rotation (which would sign
   * with the new secret and the unseen one, no longer with the secret the ERP verifies with).
   */
  async rotateSecret(
    id: string,
    keepPreviousHours: number,
    idempotency?: IdempotencyScope,
  ): Promise<WebhookEndpointWithSecretView> {
    const requestKey = idempotency ? idempotencyDigest(idempotency) : null;
    const rows = await modifiedRows<EndpointRow>(
      this.dataSource,
      `UPDATE webhook_endpoints
          SET previous_secret = secret, secret = $2, updated_at = now(),
              previous_secret_expires_at = now() + make_interval(hours => $3::int), rotation_request_key = $4
        WHERE id = $1 AND deleted_at IS NULL AND ($4::text IS NULL OR rotation_request_key IS DISTINCT FROM $4)
        RETURNING *`,
      [id, newSecret(), keepPreviousHours, requestKey],
    );
    if (rows[0]) return withSecret(rows[0]);
    const [rotated]: EndpointRow[] = await this.dataSource.query(
      `SELECT * FROM webhook_endpoints WHERE id = $1 AND deleted_at IS NULL`,
      [id],
    );
    if (!rotated) throw notFound(id);
    return withSecret(rotated);
  }
}

/** A URL copied from a view would set the password to `***`: the real one must be sent. */
function refuseRedactedPassword(url: string): void {
  let password: string;
  try {
    password = new URL(url).password;
  } catch {
    return; // not a URL: the DTO's validation answers that
  }
  if (password !== REDACTED) return;
  throw RequestInvalidError.forField('url', `its password is \`${REDACTED}\`, as views show it: send the real one`);
}

/** 32 random bytes, as the sandbox's and Svix's `whsec_` secrets. */
function newSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

function notFound(id: string): ErpNotificationsError {
  return new ErpNotificationsError('WEBHOOK.ENDPOINT_NOT_FOUND', `No webhook endpoint ${id}`);
}

function toView(row: EndpointRow): WebhookEndpointView {
  const rotating = row.previous_secret_expires_at && row.previous_secret_expires_at > new Date();
  return {
    id: row.id,
    url: redactUrl(row.url),
    description: row.description,
    eventTypes: row.event_types,
    status: row.status,
    maxInFlight: row.max_in_flight,
    maxPerSecond: row.max_per_second,
    disabledReason: row.status === 'disabled' ? row.disabled_reason : null,
    previousSecretExpiresAt: rotating ? row.previous_secret_expires_at!.toISOString() : null,
    circuit: {
      state: row.circuit_open_until ? 'open' : 'closed',
      openUntil: row.circuit_open_until?.toISOString() ?? null,
      consecutiveFailures: row.consecutive_failures,
      failingSince: row.failing_since?.toISOString() ?? null,
    },
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

function withSecret(row: EndpointRow): WebhookEndpointWithSecretView {
  return { ...toView(row), secret: row.secret };
}
