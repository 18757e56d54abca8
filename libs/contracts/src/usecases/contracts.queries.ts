import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { paginate, type Page } from '@app/common';
import { ContractEntity, CustomerEntity, TimelineEntryEntity } from '@app/domain';
import type { DataSource } from 'typeorm';
import type { ContractView, TimelineItemView } from '../api/contract.dto';
import { toCustomerView, type CustomerView } from '../api/customer.dto';
import { ContractsError } from '../contracts.errors';
import { evaluateActivationGate, type ContractStatus, type LifecycleState } from '../lifecycle';

/** Read side of the contracts module: what the ERP API shows. */
@Injectable()
export class ContractsQueries {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async customer(id: string): Promise<CustomerView> {
    const customer = await this.dataSource.getRepository(CustomerEntity).findOneBy({ id });
    if (!customer) throw new ContractsError('CUSTOMER.NOT_FOUND', `No customer with id ${id}`);
    return toCustomerView(customer);
  }

  async customers(query: { status?: string; limit?: number; cursor?: string }): Promise<Page<CustomerView>> {
    const qb = this.dataSource.getRepository(CustomerEntity).createQueryBuilder('c');
    if (query.status) qb.andWhere('c.status = :status', { status: query.status });
    return paginate(qb, { alias: 'c', column: 'created_at' }, query, toCustomerView);
  }

  async contract(id: string): Promise<ContractView> {
    const contract = await this.dataSource.getRepository(ContractEntity).findOneBy({ id });
    if (!contract) throw new ContractsError('CONTRACT.NOT_FOUND', `No contract with id ${id}`);
    return toContractView(contract);
  }

  async contracts(query: {
    customerId?: string;
    status?: string;
    limit?: number;
    cursor?: string;
  }): Promise<Page<ContractView>> {
    const qb = this.dataSource.getRepository(ContractEntity).createQueryBuilder('k');
    if (query.customerId) qb.andWhere('k.customer_id = :customerId', { customerId: query.customerId });
    if (query.status) qb.andWhere('k.status = :status', { status: query.status });
    return paginate(qb, { alias: 'k', column: 'created_at' }, query, toContractView);
  }

  async timeline(contractId: string): Promise<{ items: TimelineItemView[] }> {
    await this.contract(contractId);
    const entries = await this.dataSource.getRepository(TimelineEntryEntity).find({
      where: { contractId },
      order: { occurredAt: 'ASC', recordedAt: 'ASC', id: 'ASC' },
    });
    return {
      items: entries.map((e) => ({
        id: e.id,
        kind: e.kind,
        type: e.type,
        outcome: e.outcome,
        anomaly: e.anomaly,
        statusBefore: e.statusBefore,
        statusAfter: e.statusAfter,
        occurredAt: e.occurredAt.toISOString(),
        recordedAt: e.recordedAt.toISOString(),
        inboundEventId: e.inboundEventId,
        detail: e.detail,
      })),
    };
  }
}

export function toContractView(contract: ContractEntity): ContractView {
  const lifecycle = contract.lifecycle as unknown as LifecycleState;
  const gate = evaluateActivationGate(lifecycle);
  return {
    id: contract.id,
    customerId: contract.customerId,
    provider: contract.provider,
    envelopeId: contract.envelopeId,
    title: contract.title,
    status: contract.status as ContractStatus,
    amount: { currency: contract.currency, amountCents: contract.amountCents },
    requiredSignatureLevel: contract.requiredLevel,
    signers: lifecycle.signers.map((s) => ({
      email: s.email,
      name: s.name,
      signedAt: s.signature?.at ?? null,
      signatureLevel: s.signature?.level ?? null,
      signingUrl: contract.signingUrls[s.email] ?? null,
    })),
    document: contract.documentSha256 ? { filename: contract.documentFilename, sha256: contract.documentSha256 } : null,
    voidRequestedAt: contract.voidRequestedAt?.toISOString() ?? null,
    reconciledAt: contract.reconciledAt?.toISOString() ?? null,
    billing: contract.billing,
    provisioning: contract.provisioning,
    hold: contract.status === 'on_hold' && gate.result === 'fail' ? { reason: gate.reason, detail: gate.detail } : null,
    createdAt: contract.createdAt.toISOString(),
    updatedAt: contract.updatedAt.toISOString(),
  };
}
