import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { modifiedRows } from '@app/common';
import type { DataSource } from 'typeorm';
import type { ProvisioningOrderView } from '../api/provisioning-order.dto';
import { ProvisioningError } from '../provisioning.errors';
import { toView } from './provisioning-orders.queries';
import type { ProvisioningRunRow } from './provisioning-run.row';
import { ProvisioningRunner } from './provisioning-runner';

/** For a row of `provisioning_orders`: its contract was voided, or a reversal of its provisioning exists. */
const REVERSED = `(EXISTS (SELECT 1 FROM contracts c WHERE c.id = provisioning_orders.contract_id AND c.status = 'voided')
   OR EXISTS (SELECT 1 FROM provisioning_orders r
               WHERE r.contract_id = provisioning_orders.contract_id AND r.kind = 'reverse'))`;

/**
 * Staff, once the cause is fixed: a failed run goes back to pending with its attempts reset, due now. Not a
 * provision run whose contract was voided or had its provisioning reversed: what it created would stay.
 */
@Injectable()
export class RetryProvisioningOrderUseCase {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly runner: ProvisioningRunner,
  ) {}

  async execute(id: string): Promise<ProvisioningOrderView> {
    const rows = await modifiedRows<ProvisioningRunRow>(
      this.dataSource,
      `UPDATE provisioning_orders
          SET status = 'pending', attempts = 0, next_attempt_at = now(), completed_at = NULL, updated_at = now()
        WHERE id = $1 AND status = 'failed' AND NOT (kind = 'provision' AND ${REVERSED})
        RETURNING *`,
      [id],
    );
    const run = rows[0];
    if (!run) {
      const existing: { status: string; reversed: boolean }[] = await this.dataSource.query(
        `SELECT status, (kind = 'provision' AND ${REVERSED}) AS reversed FROM provisioning_orders WHERE id = $1`,
        [id],
      );
      if (existing.length === 0) {
        throw new ProvisioningError('PROVISIONING.ORDER_NOT_FOUND', `No provisioning order ${id}`);
      }
      if (existing[0].reversed) {
        throw new ProvisioningError(
          'PROVISIONING.NOT_RETRYABLE',
          'The contract was voided or its provisioning reversed: this provision run is not run again',
          { currentStatus: existing[0].status },
        );
      }
      throw new ProvisioningError(
        'PROVISIONING.NOT_RETRYABLE',
        `Only a failed run can be retried; this one is ${existing[0].status}`,
        { currentStatus: existing[0].status },
      );
    }
    await this.runner.dispatchOrLeaveForSweeper([run]);
    return toView(run);
  }
}
