import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { modifiedRows } from '@app/common';
import type { DataSource } from 'typeorm';
import type { ProvisioningOrderView } from '../api/provisioning-order.dto';
import { ProvisioningError } from '../provisioning.errors';
import { toView } from './provisioning-orders.queries';
import type { ProvisioningRunRow } from './provisioning-run.row';
import { ProvisioningRunner } from './provisioning-runner';

/** Staff, once the cause is fixed: a failed run goes back to pending with its attempts reset, due now. */
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
        WHERE id = $1 AND status = 'failed'
        RETURNING *`,
      [id],
    );
    const run = rows[0];
    if (!run) {
      const existing: { status: string }[] = await this.dataSource.query(
        `SELECT status FROM provisioning_orders WHERE id = $1`,
        [id],
      );
      if (existing.length === 0) {
        throw new ProvisioningError('PROVISIONING.ORDER_NOT_FOUND', `No provisioning order ${id}`);
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
