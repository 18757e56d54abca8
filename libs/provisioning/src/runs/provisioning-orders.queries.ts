import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { paginateRows, type Page } from '@app/common';
import type { DataSource } from 'typeorm';
import type { ListProvisioningOrdersQueryDto, ProvisioningOrderView } from '../api/provisioning-order.dto';
import { ProvisioningError } from '../provisioning.errors';
import type { ProvisioningRunRow } from './provisioning-run.row';

@Injectable()
export class ProvisioningOrdersQueries {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Keyset pages over (created_at, id), oldest first. */
  async list(query: ListProvisioningOrdersQueryDto): Promise<Page<ProvisioningOrderView>> {
    const page = await paginateRows<ProvisioningRunRow>(
      this.dataSource,
      'SELECT * FROM provisioning_orders o',
      'o',
      [
        ['o.contract_id = ?', query.contractId],
        ['o.status = ?', query.status],
        ['o.action = ?', query.action],
        ['o.kind = ?', query.kind],
      ],
      query,
    );
    return { items: page.items.map(toView), nextCursor: page.nextCursor };
  }

  async get(id: string): Promise<ProvisioningOrderView> {
    const rows: ProvisioningRunRow[] = await this.dataSource.query(`SELECT * FROM provisioning_orders WHERE id = $1`, [
      id,
    ]);
    if (rows.length === 0) throw new ProvisioningError('PROVISIONING.ORDER_NOT_FOUND', `No provisioning order ${id}`);
    return toView(rows[0]);
  }
}

export function toView(row: ProvisioningRunRow): ProvisioningOrderView {
  return {
    id: row.id,
    contractId: row.contract_id,
    customerId: row.customer_id,
    action: row.action,
    kind: row.kind,
    status: row.status,
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at?.toISOString() ?? null,
    lastStatusCode: row.last_status_code,
    lastError: row.last_error,
    failureReason:
      row.status === 'failed' ? (/^(PROVISIONING\.[A-Z_]+)/.exec(row.last_error ?? '')?.[1] ?? null) : null,
    response: row.response ?? null,
    resultRef: row.result_ref,
    params: row.params,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    completedAt: row.completed_at?.toISOString() ?? null,
  };
}
