import { Injectable, OnModuleInit } from '@nestjs/common';
import { JobRegistry, type DomainEvent, type SubscriberResult } from '@app/event-bus';
import type { EntityManager } from 'typeorm';
import { ProvisioningRunner } from '../runs/provisioning-runner';
import { insertRuns } from './insert-runs';

interface ActivatedContract {
  customer_id: string;
  status: string;
  provisioning: { action: string; params?: Record<string, unknown> }[];
}

/**
 * On `ContractActivated`: one `provision` run per action the contract lists, pending and due now. The unique key
 * (contract, action, kind) turns a second activation or a duplicate into nothing. The calls themselves are jobs of
 * their own, enqueued after this transaction commits, so a slow target never holds the subscriber's transaction.
 * The contract's row is share-locked until commit, so a void (which locks it for update) comes either before,
 * and nothing starts, or after, and its reversal finds the runs.
 */
@Injectable()
export class StartProvisioningRunsWhenContractActivatedHandler implements OnModuleInit {
  constructor(
    private readonly registry: JobRegistry,
    private readonly runner: ProvisioningRunner,
  ) {}

  onModuleInit(): void {
    // Database work only: deliveries waiting together share a transaction.
    this.registry.registerSubscriber('provisioning.start-runs', (event, em) => this.handle(event, em), {
      batched: true,
    });
  }

  async handle(event: DomainEvent, em: EntityManager): Promise<SubscriberResult> {
    if (event.type !== 'ContractActivated') return { outcome: 'skipped', emitted: [] };
    const rows: ActivatedContract[] = await em.query(
      `SELECT customer_id, status, provisioning FROM contracts WHERE id = $1 FOR SHARE`,
      [event.aggregateId],
    );
    const contract = rows[0];
    if (!contract || contract.status === 'voided' || contract.provisioning.length === 0) {
      return { outcome: 'skipped', emitted: [] };
    }
    const created = await insertRuns(
      em,
      event.aggregateId,
      contract.customer_id,
      'provision',
      contract.provisioning.map((p) => ({ action: p.action, params: p.params ?? {} })),
    );
    if (created.length === 0) return { outcome: 'skipped', emitted: [] };
    return { outcome: 'done', emitted: [], afterCommit: () => this.runner.dispatchOrLeaveForSweeper(created) };
  }
}
