import { modifiedRows } from '@app/common';
import { claimableSql, type AttemptRow } from '@app/event-bus';
import type { DataSource, EntityManager } from 'typeorm';
import { decideCallRate } from './call-rate';

/**
 * A held delivery is looked at again after this long (to twice as long, at random: a large backlog does not come back
 * all at once) even if no call of its endpoint ends (a lost wake).
 */
const HELD_SAFETY_MS = 30_000;

export type LimitedClaim<C> =
  | { limited: false }
  | { limited: true; claimed: C | undefined; waits: false }
  | { limited: true; claimed: undefined; waits: true };

/** The limits of a due delivery's endpoint, read under the endpoint's row lock. */
interface LimitedEndpoint {
  id: string;
  max_in_flight: number | null;
  max_per_second: number | null;
  rate_last_call_at: Date | null;
  rate_next_at: Date | null;
  rate_slot_at: Date | null;
}

/**
 * An ERP endpoint's limits (README "Telling the ERP"), however many workers and processes SignBridge runs: calls at
 * once (`max_in_flight`) and calls per second (`max_per_second`). Endpoints without either never come here (the
 * runner's plain claim takes their deliveries).
 *
 * A limited endpoint's claims take its row lock, so each sees every claim committed before it. Calls at once: the
 * claim counts the endpoint's running deliveries, and a delivery that finds no free place is held (pending, its
 * attempts unchanged); the end of each of the endpoint's calls wakes its oldest held delivery, and a held one is
 * looked at again after HELD_SAFETY_MS anyway. Calls per second: a delivery that finds the endpoint's next free time
 * in the future reserves it and waits for it (`decideCallRate`), its attempts unchanged.
 */
export class EndpointLimits {
  constructor(
    private readonly options: {
      dataSource: DataSource;
      /** Jobs for deliveries made due (woken), waiting for their time, or held until the safety net. */
      dispatch: (rows: readonly AttemptRow[]) => Promise<void>;
    },
  ) {}

  /**
   * For a due delivery of a limited endpoint: `claim` runs, in this transaction, if the limits allow a call now;
   * otherwise the delivery waits (`waits`). `{limited: false}` when its endpoint has no limit or it is not due.
   */
  async claimOrWait<C>(
    deliveryId: string,
    claim: (em: EntityManager) => Promise<C | undefined>,
  ): Promise<LimitedClaim<C>> {
    let waiting: AttemptRow[] = [];
    const outcome = await this.options.dataSource.transaction(async (em): Promise<LimitedClaim<C>> => {
      const [endpoint]: LimitedEndpoint[] = await em.query(
        `SELECT e.id, e.max_in_flight, e.max_per_second, e.rate_last_call_at, e.rate_next_at, d.rate_slot_at
           FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
          WHERE d.id = $1 AND (e.max_in_flight IS NOT NULL OR e.max_per_second IS NOT NULL) AND ${claimableSql('d')}
            FOR UPDATE OF e`,
        [deliveryId],
      );
      if (!endpoint) return { limited: false };
      if (endpoint.max_in_flight !== null && !(await this.placeFree(em, endpoint.id, endpoint.max_in_flight))) {
        waiting = await this.hold(em, deliveryId);
        return { limited: true, claimed: undefined, waits: true };
      }
      if (endpoint.max_per_second === null) return { limited: true, claimed: await claim(em), waits: false };
      // The clock read once the lock is held (`now()` is when the transaction began, before any wait for the lock).
      const [{ now }]: { now: Date }[] = await em.query(`SELECT clock_timestamp() AS now`);
      const decision = decideCallRate({
        nowMs: now.getTime(),
        perSecond: endpoint.max_per_second,
        lastCallAtMs: endpoint.rate_last_call_at?.getTime() ?? null,
        nextFreeAtMs: endpoint.rate_next_at?.getTime() ?? null,
        reservedAtMs: endpoint.rate_slot_at?.getTime() ?? null,
      });
      if (!decision.call) {
        waiting = await this.waitForTime(em, deliveryId, endpoint.id, decision.atMs, decision.nextFreeAtMs);
        return { limited: true, claimed: undefined, waits: true };
      }
      const claimed = await claim(em);
      // A claim that failed (its circuit open, say) made no call.
      if (claimed) {
        await em.query(`UPDATE webhook_endpoints SET rate_last_call_at = $2, rate_next_at = $3 WHERE id = $1`, [
          endpoint.id,
          now,
          decision.nextFreeAtMs === null ? null : new Date(decision.nextFreeAtMs),
        ]);
      }
      return { limited: true, claimed, waits: false };
    });
    await this.options.dispatch(waiting);
    return outcome;
  }

  /**
   * The endpoint's oldest held delivery is due now (a call of it ended), or (`'all'`: its limits changed) every
   * delivery held or waiting for a reserved time, which take their places and times again under the new limits.
   */
  async wake(endpointId: string, howMany: 1 | 'all' = 1): Promise<void> {
    // Waking one, after every call of a limited endpoint, stays on the partial index of held deliveries.
    const rows = await modifiedRows<AttemptRow>(
      this.options.dataSource,
      howMany === 1
        ? `UPDATE webhook_deliveries d
              SET held = false, next_attempt_at = now(), updated_at = now()
            WHERE d.id IN (SELECT id FROM webhook_deliveries
                            WHERE endpoint_id = $1 AND held AND status = 'pending'
                            ORDER BY created_at, id
                            LIMIT 1
                            FOR UPDATE SKIP LOCKED)
            RETURNING d.id, d.next_attempt_at`
        : `WITH woken AS (
             UPDATE webhook_deliveries d
                SET held = false, rate_slot_at = NULL, next_attempt_at = now(), updated_at = now()
              WHERE d.endpoint_id = $1 AND d.status = 'pending' AND (d.held OR d.rate_slot_at IS NOT NULL)
              RETURNING d.id, d.next_attempt_at),
           freed AS (UPDATE webhook_endpoints SET rate_next_at = NULL WHERE id = $1 AND rate_next_at IS NOT NULL)
           SELECT id, next_attempt_at FROM woken`,
      [endpointId],
    );
    await this.options.dispatch(rows);
  }

  /**
   * The call that probes an endpoint whose circuit is open goes past its limits (there is one per cool-down), but it
   * is the endpoint's last call for the spacing of the next: no call is claimed meanwhile (the circuit is open), and
   * the ones after it wait 1/max_per_second s from it.
   */
  async countProbe(endpointId: string): Promise<void> {
    await this.options.dataSource.query(
      `UPDATE webhook_endpoints SET rate_last_call_at = greatest(rate_last_call_at, clock_timestamp()) WHERE id = $1`,
      [endpointId],
    );
  }

  /** A place under the limit on calls at once: counted in a statement of its own, it sees every earlier claim. */
  private async placeFree(em: EntityManager, endpointId: string, maxInFlight: number): Promise<boolean> {
    const [{ running }]: { running: number }[] = await em.query(
      `SELECT count(*)::int AS running FROM webhook_deliveries
        WHERE endpoint_id = $1 AND status = 'running' AND next_attempt_at > now()`,
      [endpointId],
    );
    return running < maxInFlight;
  }

  /** Held for a free place; a time it had reserved is given up (it will take a new one). */
  private hold(em: EntityManager, deliveryId: string): Promise<AttemptRow[]> {
    return modifiedRows<AttemptRow>(
      em,
      `UPDATE webhook_deliveries d
          SET status = 'pending', held = true, rate_slot_at = NULL, updated_at = now(),
              next_attempt_at = now() + make_interval(secs => (1 + random()) * $2::double precision / 1000)
        WHERE d.id = $1 AND ${claimableSql('d')}
        RETURNING d.id, d.next_attempt_at`,
      [deliveryId, HELD_SAFETY_MS],
    );
  }

  /** Waits for its call time, reserved in the same statement as the endpoint's next free time moves past it. */
  private waitForTime(
    em: EntityManager,
    deliveryId: string,
    endpointId: string,
    atMs: number,
    nextFreeAtMs: number | null,
  ): Promise<AttemptRow[]> {
    return modifiedRows<AttemptRow>(
      em,
      `WITH waiting AS (
         UPDATE webhook_deliveries d
            SET status = 'pending', rate_slot_at = $2, next_attempt_at = $2, updated_at = now()
          WHERE d.id = $1 AND ${claimableSql('d')}
          RETURNING d.id, d.next_attempt_at),
       reserved AS (
         UPDATE webhook_endpoints SET rate_next_at = $4
          WHERE id = $3 AND rate_next_at IS DISTINCT FROM $4 AND EXISTS (SELECT 1 FROM waiting))
       SELECT id, next_attempt_at FROM waiting`,
      [deliveryId, new Date(atMs), endpointId, nextFreeAtMs === null ? null : new Date(nextFreeAtMs)],
    );
  }
}
