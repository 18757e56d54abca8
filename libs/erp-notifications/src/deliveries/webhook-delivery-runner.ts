import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { APP_CONFIG, modifiedRows, redactUrl, type AppConfig } from '@app/common';
import {
  CLAIM_MARGIN_MS,
  claimableSql,
  JobRegistry,
  outboxEventColumns,
  QUEUE_DRIVER,
  ScheduledAttempts,
  Sweeper,
  type AttemptRow,
  type JobOutcome,
  type QueueDriver,
} from '@app/event-bus';
import type { DataSource, EntityManager } from 'typeorm';
import type { DeliveryFailureReason } from '../erp-notifications.errors';
import { EndpointCircuit } from './endpoint-circuit';
import { callEndpoint, describeAnswer, statusOf, type Answer, type Claimed } from './endpoint-call';
import { EndpointLimits } from './endpoint-limits';
import { retryDelayMs } from './retry-delay';

/**
 * Delivers domain events to the ERP's endpoints, one call per `erp-notifications.deliver` job.
 *
 * The same claim and fence as provisioning runs: a call starts with a conditional UPDATE that only one worker wins
 * (pending and due, or running with its claim lapsed), and every later write is fenced on (running, the claimed
 * attempt). Any answer but a 2xx is retried on the configured schedule (a longer Retry-After is honoured); when
 * the schedule is used up the delivery is `dead`: kept, listed and replayable (invariant 7). A 410 Gone disables
 * the endpoint, as the receiver asked. Every call carries the event id as `Idempotency-Key`, so a receiver
 * recognises the call a crashed worker made before it could record it.
 */
@Injectable()
export class WebhookDeliveryRunner implements OnModuleInit {
  private readonly logger = new Logger('ErpWebhooks');
  private readonly attempts: ScheduledAttempts<'erp-notifications.deliver'>;
  private readonly circuit: EndpointCircuit;
  private readonly limits: EndpointLimits;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(QUEUE_DRIVER) queue: QueueDriver,
    private readonly registry: JobRegistry,
    private readonly sweeper: Sweeper,
  ) {
    this.attempts = new ScheduledAttempts({
      db: dataSource,
      queue,
      table: 'webhook_deliveries',
      job: 'erp-notifications.deliver',
      data: (deliveryId) => ({ deliveryId }),
      what: 'webhook deliveries',
    });
    this.circuit = new EndpointCircuit({
      db: dataSource,
      settings: config.erpWebhooks,
      logger: this.logger,
      dispatch: (rows) => this.dispatchOrLeaveForSweeper(rows),
    });
    this.limits = new EndpointLimits({
      dataSource,
      dispatch: (rows) => this.dispatchOrLeaveForSweeper(rows),
    });
  }

  onModuleInit(): void {
    this.registry.registerJob('erp-notifications.deliver', (data) => this.execute(data.deliveryId));
    this.sweeper.register('erp-webhooks deliveries', (olderThanMs) => this.sweep(olderThanMs));
  }

  /** After a commit: a queue that is down is not the caller's failure; the sweep dispatches the deliveries. */
  dispatchOrLeaveForSweeper(deliveries: readonly AttemptRow[]): Promise<void> {
    return this.attempts.dispatchOrLeaveForSweeper(deliveries);
  }

  /** An endpoint's limits changed: its deliveries held or waiting for their time try again now, under the new ones. */
  limitsChanged(endpointId: string): Promise<void> {
    return this.limits.wake(endpointId, 'all');
  }

  /** Deliveries past their time: a lost job (pending) or a worker killed mid-call (running, claim lapsed). */
  sweep(olderThanMs: number): Promise<number> {
    return this.attempts.sweep(olderThanMs);
  }

  /**
   * One call of one delivery: claim, call, record. While its endpoint's circuit is open the delivery is held (moved
   * past the cool-down, its attempts untouched), except for the one call that probes the endpoint once it is over
   * (past the endpoint's limits; under a rate, it counts as its last call).
   * An endpoint with limits (calls at once, calls per second) has its deliveries claimed under them; the others wait,
   * held until a call ends or until the time each reserved.
   */
  async execute(deliveryId: string): Promise<JobOutcome> {
    let claimed = await this.claim(deliveryId, false);
    if (!claimed) {
      const limited = await this.limits.claimOrWait(deliveryId, (em) => this.claim(deliveryId, false, em));
      if (limited.limited && limited.waits) return 'skipped';
      if (limited.limited) claimed = limited.claimed;
    }
    if (!claimed) {
      const gate = await this.circuit.gate(deliveryId);
      if (gate.probe) {
        claimed = await this.claim(deliveryId, true);
        if (claimed && claimed.max_per_second !== null) await this.limits.countProbe(claimed.endpoint_id);
      } else if (gate.due) {
        await this.circuit.hold(deliveryId);
        return 'skipped';
      }
    }
    if (!claimed) {
      await this.attempts.redispatchIfEarly(deliveryId);
      return 'skipped';
    }
    const outcome = await this.callAndRecord(claimed);
    if (claimed.max_in_flight !== null) await this.limits.wake(claimed.endpoint_id);
    return outcome;
  }

  private async callAndRecord(claimed: Claimed): Promise<JobOutcome> {
    if (claimed.endpoint_status !== 'enabled') {
      return this.bury(claimed, 'WEBHOOK.ENDPOINT_DISABLED', 'the endpoint was disabled before this call');
    }
    const answer = await callEndpoint(claimed, this.config.erpWebhooks.timeoutMs);
    if (answer.status >= 200 && answer.status < 300) return this.delivered(claimed, answer);
    if (answer.status === 410) return this.bury(claimed, 'WEBHOOK.GONE', 'HTTP 410: the endpoint is disabled', answer);
    await this.circuit.failed({ endpointId: claimed.endpoint_id, url: claimed.url, probe: claimed.probe });
    const delayMs = retryDelayMs(
      this.config.erpWebhooks.retryScheduleMs,
      claimed.attempts,
      answer.retryAfterMs,
      Math.random(),
    );
    if (delayMs === undefined) {
      return this.bury(
        claimed,
        'WEBHOOK.ATTEMPTS_EXHAUSTED',
        `${claimed.attempts} call(s), the last: ${describeAnswer(answer)}`,
        answer,
      );
    }
    return this.retryLater(claimed, answer, delayMs);
  }

  /**
   * Due (pending and due, or running with its claim lapsed) and, unless it is the probe, its circuit closed. Outside
   * the limits' transaction (`em`), only deliveries of endpoints without limits (and probes) are taken.
   */
  private async claim(deliveryId: string, probe: boolean, em?: EntityManager): Promise<Claimed | undefined> {
    const rows = await modifiedRows<Claimed>(
      em ?? this.dataSource,
      `UPDATE webhook_deliveries d
          SET status = 'running', attempts = d.attempts + 1, held = false, rate_slot_at = NULL, updated_at = now(),
              next_attempt_at = now() + make_interval(secs => $2::double precision / 1000)
         FROM webhook_endpoints e, outbox o
        WHERE d.id = $1 AND e.id = d.endpoint_id AND o.id = d.event_id
          AND (e.circuit_open_until IS NULL OR $3::boolean)
          AND ((e.max_in_flight IS NULL AND e.max_per_second IS NULL) OR $3::boolean OR $4::boolean)
          AND ${claimableSql('d')}
        RETURNING d.id AS delivery_id, d.endpoint_id, d.attempts, e.url, e.status AS endpoint_status, e.secret,
                  CASE WHEN e.previous_secret_expires_at > now() THEN e.previous_secret END AS previous_secret,
                  $3::boolean AS probe, e.max_in_flight, e.max_per_second, ${outboxEventColumns('o')}`,
      [deliveryId, this.leaseMs(), probe, em !== undefined],
    );
    return rows[0];
  }

  private leaseMs(): number {
    return this.config.erpWebhooks.timeoutMs + CLAIM_MARGIN_MS;
  }

  /** Delivered; a success closes the endpoint's circuit and ends its failing streak (no write when there is none). */
  private async delivered(claimed: Claimed, answer: Answer): Promise<JobOutcome> {
    const rows: { id: string }[] = await this.dataSource.query(
      `WITH done AS (
         UPDATE webhook_deliveries
            SET status = 'delivered', delivered_at = now(), next_attempt_at = NULL, last_status_code = $3,
                last_error = NULL, last_response = $4, updated_at = now()
          WHERE id = $1 AND status = 'running' AND attempts = $2
          RETURNING id, endpoint_id),
       healed AS (
         UPDATE webhook_endpoints e
            SET consecutive_failures = 0, failing_since = NULL, circuit_open_until = NULL, circuit_cooldown_ms = NULL
           FROM done
          WHERE e.id = done.endpoint_id AND (e.consecutive_failures > 0 OR e.circuit_open_until IS NOT NULL))
       SELECT id FROM done`,
      [claimed.delivery_id, claimed.attempts, answer.status, answer.text],
    );
    return rows.length === 0 ? 'skipped' : 'done';
  }

  private async retryLater(claimed: Claimed, answer: Answer, delayMs: number): Promise<JobOutcome> {
    const rows = await modifiedRows<{ id: string; next_attempt_at: Date }>(
      this.dataSource,
      `UPDATE webhook_deliveries
          SET status = 'pending', next_attempt_at = now() + make_interval(secs => $3::double precision / 1000),
              last_status_code = $4, last_error = $5, last_response = $6, updated_at = now()
        WHERE id = $1 AND status = 'running' AND attempts = $2
        RETURNING id, next_attempt_at`,
      [claimed.delivery_id, claimed.attempts, delayMs, statusOf(answer), describeAnswer(answer), answer.text],
    );
    if (rows.length === 0) return 'skipped';
    this.logger.warn(
      `delivery ${claimed.delivery_id} (${claimed.type} to ${redactUrl(claimed.url)}) call ${claimed.attempts}: ` +
        `${describeAnswer(answer)}; next in ${delayMs} ms`,
    );
    await this.dispatchOrLeaveForSweeper(rows);
    return 'done';
  }

  /**
   * Dead: kept with its reason until staff replay it. On a 410 the endpoint is disabled in the same statement,
   * so no later event is fanned out to it.
   */
  private async bury(
    claimed: Claimed,
    reason: DeliveryFailureReason,
    detail: string,
    answer?: Answer,
  ): Promise<JobOutcome> {
    const rows = await modifiedRows<{ id: string }>(
      this.dataSource,
      `WITH dead AS (
         UPDATE webhook_deliveries
            SET status = 'dead', next_attempt_at = NULL, last_status_code = $3, last_error = $4, last_response = $5,
                updated_at = now()
          WHERE id = $1 AND status = 'running' AND attempts = $2
          RETURNING id, endpoint_id),
       gone AS (
         UPDATE webhook_endpoints e
            SET status = 'disabled', disabled_reason = $4, updated_at = now()
           FROM dead
          WHERE $6::boolean AND e.id = dead.endpoint_id AND e.status = 'enabled')
       SELECT id FROM dead`,
      [
        claimed.delivery_id,
        claimed.attempts,
        answer ? statusOf(answer) : null,
        `${reason}: ${detail}`,
        answer?.text ?? null,
        reason === 'WEBHOOK.GONE',
      ],
    );
    if (rows.length === 0) return 'skipped';
    this.logger.warn(
      `delivery ${claimed.delivery_id} (${claimed.type} to ${redactUrl(claimed.url)}) is dead: ${reason}: ${detail}`,
    );
    return 'done';
  }
}
