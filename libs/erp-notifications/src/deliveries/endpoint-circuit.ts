import type { Logger } from '@nestjs/common';
import { modifiedRows, redactUrl, type AppConfig, type RawQueryable } from '@app/common';
import { claimableSql, type AttemptRow } from '@app/event-bus';

/** A delivery due now whose endpoint's circuit is open; `probe`: the cool-down is over and this call may test it. */
export interface CircuitGate {
  due: boolean;
  probe: boolean;
}

/** A call that failed: its endpoint, and whether it was the probe of an open circuit. */
export interface FailedCall {
  endpointId: string;
  url: string;
  probe: boolean;
}

/**
 * An ERP endpoint's circuit breaker (README "Telling the ERP"), kept on its row: failed calls in a row, since when it
 * has failed, and while open, until when no delivery calls it and the cool-down the next failed probe doubles. The
 * delivery runner asks it why a due delivery could not be claimed, holds deliveries while it is open, and counts
 * failures; a success closes it in the runner's own "delivered" statement.
 */
export class EndpointCircuit {
  constructor(
    private readonly options: {
      db: RawQueryable;
      settings: AppConfig['erpWebhooks'];
      logger: Logger;
      /** Jobs for the held deliveries, at their new time. */
      dispatch: (rows: readonly AttemptRow[]) => Promise<void>;
    },
  ) {}

  /**
   * Why a delivery could not be claimed, when its circuit is the reason: it is due and its endpoint's circuit is
   * open. Once the cool-down is over, the first delivery to ask takes the probe, which keeps the circuit open for
   * the others for one more cool-down: a probe lost to a race (its delivery held by a duplicate job in between) is
   * then taken again, and a probe slower than the cool-down may overlap the next one.
   */
  async gate(deliveryId: string): Promise<CircuitGate> {
    const rows = (await this.options.db.query(
      `WITH due AS (
         SELECT d.endpoint_id FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
          WHERE d.id = $1 AND e.circuit_open_until IS NOT NULL AND ${claimableSql('d')}),
       probe AS (
         UPDATE webhook_endpoints e
            SET circuit_open_until = now() + make_interval(secs => coalesce(e.circuit_cooldown_ms, $2)::double precision / 1000)
           FROM due
          WHERE e.id = due.endpoint_id AND e.circuit_open_until <= now()
          RETURNING e.id)
       SELECT EXISTS (SELECT 1 FROM due) AS due, EXISTS (SELECT 1 FROM probe) AS probe`,
      [deliveryId, this.options.settings.circuitCooldownMs],
    )) as CircuitGate[];
    return rows[0];
  }

  /**
   * Held while the circuit is open: due again at a random moment of the cool-down after it (after one cool-down at
   * the most while a probe is under way), so that a closed circuit is not met by every held delivery at once. Its
   * attempts do not change, and a call time it had reserved under the endpoint's rate is given up. Whatever happened
   * since the gate (the cool-down ended, a probe closed the circuit), the delivery gets a new job: a delivery left due
   * without one would wait for the sweeper.
   */
  async hold(deliveryId: string): Promise<void> {
    const rows = await modifiedRows<{ id: string; next_attempt_at: Date }>(
      this.options.db,
      `UPDATE webhook_deliveries d
          SET status = 'pending', rate_slot_at = NULL, updated_at = now(),
              next_attempt_at = CASE
                WHEN e.circuit_open_until IS NULL THEN now()
                ELSE greatest(now(), least(e.circuit_open_until, now() + make_interval(secs => cooldown.ms / 1000)))
                     + make_interval(secs => random() * cooldown.ms / 1000)
              END
         FROM webhook_endpoints e,
              LATERAL (SELECT coalesce(e.circuit_cooldown_ms, $2)::double precision AS ms) AS cooldown
        WHERE d.id = $1 AND e.id = d.endpoint_id AND ${claimableSql('d')}
        RETURNING d.id, d.next_attempt_at`,
      [deliveryId, this.options.settings.circuitCooldownMs],
    );
    await this.options.dispatch(rows);
  }

  /**
   * A failed call counts against its endpoint: the circuit opens at the threshold, a failed probe opens it again for
   * twice as long (up to 64 times the cool-down), and an endpoint failing for ERP_WEBHOOK_DISABLE_AFTER is disabled.
   */
  async failed(call: FailedCall): Promise<void> {
    const { circuitThreshold, circuitCooldownMs, disableAfterMs } = this.options.settings;
    const rows = await modifiedRows<{ status: string; disabled_reason: string | null; cooldown_ms: string | null }>(
      this.options.db,
      `WITH next AS (
         SELECT e.id,
                CASE WHEN $2::boolean THEN least(coalesce(e.circuit_cooldown_ms, $4) * 2, $4 * 64)
                     WHEN e.circuit_open_until IS NULL AND e.consecutive_failures + 1 >= $3 THEN $4
                END AS cooldown_ms,
                e.status = 'enabled' AND $5::double precision IS NOT NULL
                  AND coalesce(e.failing_since, now()) < now() - make_interval(secs => $5::double precision / 1000)
                  AS disable
           FROM webhook_endpoints e WHERE e.id = $1
            FOR UPDATE)
       UPDATE webhook_endpoints e
          SET consecutive_failures = e.consecutive_failures + 1,
              failing_since = coalesce(e.failing_since, now()),
              circuit_cooldown_ms = coalesce(next.cooldown_ms, e.circuit_cooldown_ms),
              circuit_open_until = CASE WHEN next.cooldown_ms IS NULL THEN e.circuit_open_until
                                        ELSE now() + make_interval(secs => next.cooldown_ms::double precision / 1000) END,
              status = CASE WHEN next.disable THEN 'disabled' ELSE e.status END,
              disabled_reason = CASE WHEN next.disable
                                     THEN 'WEBHOOK.FAILING: no successful call since ' || to_char(coalesce(e.failing_since, now()) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
                                     ELSE e.disabled_reason END,
              updated_at = now()
         FROM next
        WHERE e.id = next.id
        RETURNING e.status, e.disabled_reason, next.cooldown_ms`,
      [call.endpointId, call.probe, circuitThreshold, circuitCooldownMs, disableAfterMs ?? null],
    );
    const endpoint = rows[0];
    if (endpoint?.status === 'disabled' && endpoint.disabled_reason?.startsWith('WEBHOOK.FAILING')) {
      this.options.logger.warn(
        `endpoint ${call.endpointId} (${redactUrl(call.url)}) disabled: ${endpoint.disabled_reason}`,
      );
    } else if (endpoint?.cooldown_ms) {
      this.options.logger.warn(
        `endpoint ${call.endpointId} (${redactUrl(call.url)}): circuit open for ${endpoint.cooldown_ms} ms after ` +
          `${call.probe ? 'a failed probe' : `${circuitThreshold} failed calls in a row`}`,
      );
    }
  }
}
