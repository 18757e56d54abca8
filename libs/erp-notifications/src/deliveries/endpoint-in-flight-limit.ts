import { modifiedRows } from '@app/common';
import { claimableSql, type AttemptRow } from '@app/event-bus';
import type { DataSource, EntityManager } from 'typeorm';

/**
 * A held delivery is looked at again after this long (to twice as long, at random: a large backlog does not come back
 * all at once) even if no call of its endpoint ends (a lost wake).
 */
const HELD_SAFETY_MS = 30_000;

export type LimitedClaim<C> =
  | { limited: false }
  | { limited: true; claimed: C | undefined; held: false }
  | { limited: true; claimed: undefined; held: true };

/**
 * An ERP endpoint's limit on calls at once (`max_in_flight`, README "Telling the ERP"): an ERP that takes a few
 * requests at a time gets at most that many, however many workers and processes SignBridge runs. Endpoints without a
 * limit never come here (the runner's plain claim takes their deliveries).
 *
 * A limited endpoint's claims take its row lock, then count its running deliveries in a statement of their own, so
 * the count sees every claim committed before: two claims cannot both take the last free place. A delivery that finds
 * none is held (pending, its attempts unchanged); the end of each of the endpoint's calls wakes its oldest held
 * delivery, and a held one is looked at again after HELD_SAFETY_MS anyway.
 */
export class EndpointInFlightLimit {
  constructor(
    private readonly options: {
      dataSource: DataSource;
      /** Jobs for deliveries made due (woken) or held until the safety net. */
      dispatch: (rows: readonly AttemptRow[]) => Promise<void>;
    },
  ) {}

  /**
   * For a due delivery of a limited endpoint: `claim` runs, in this transaction, if a place is free; otherwise the
   * delivery is held. `{limited: false}` when its endpoint has no limit or the delivery is not due.
   */
  async claimOrHold<C>(
    deliveryId: string,
    claim: (em: EntityManager) => Promise<C | undefined>,
  ): Promise<LimitedClaim<C>> {
    let held: AttemptRow[] = [];
    const outcome = await this.options.dataSource.transaction(async (em): Promise<LimitedClaim<C>> => {
      const [endpoint]: { id: string; max_in_flight: number }[] = await em.query(
        `SELECT e.id, e.max_in_flight
           FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
          WHERE d.id = $1 AND e.max_in_flight IS NOT NULL AND ${claimableSql('d')}
            FOR UPDATE OF e`,
        [deliveryId],
      );
      if (!endpoint) return { limited: false };
      const [{ running }]: { running: number }[] = await em.query(
        `SELECT count(*)::int AS running FROM webhook_deliveries
          WHERE endpoint_id = $1 AND status = 'running' AND next_attempt_at > now()`,
        [endpoint.id],
      );
      if (running < endpoint.max_in_flight) return { limited: true, claimed: await claim(em), held: false };
      held = await modifiedRows<AttemptRow>(
        em,
        `UPDATE webhook_deliveries d
            SET status = 'pending', held = true, updated_at = now(),
                next_attempt_at = now() + make_interval(secs => (1 + random()) * $2::double precision / 1000)
          WHERE d.id = $1 AND ${claimableSql('d')}
          RETURNING d.id, d.next_attempt_at`,
        [deliveryId, HELD_SAFETY_MS],
      );
      return { limited: true, claimed: undefined, held: true };
    });
    await this.options.dispatch(held);
    return outcome;
  }

  /**
   * The endpoint's oldest held delivery is due now (a call of it ended), or all of them (`'all'`: its limit changed);
   * each is held again if it still finds no free place.
   */
  async wake(endpointId: string, howMany: 1 | 'all' = 1): Promise<void> {
    const rows = await modifiedRows<AttemptRow>(
      this.options.dataSource,
      `UPDATE webhook_deliveries d
          SET held = false, next_attempt_at = now(), updated_at = now()
        WHERE d.id IN (SELECT id FROM webhook_deliveries
                        WHERE endpoint_id = $1 AND held AND status = 'pending'
                        ORDER BY created_at, id
                        LIMIT $2
                        FOR UPDATE SKIP LOCKED)
        RETURNING d.id, d.next_attempt_at`,
      [endpointId, howMany === 'all' ? null : howMany],
    );
    await this.options.dispatch(rows);
  }
}
