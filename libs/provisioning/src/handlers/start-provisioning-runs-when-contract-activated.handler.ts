import { Injectable, OnModuleInit } from '@nestjs/common';
import { JobRegistry, type DomainEvent, type SubscriberResult } from '@app/event-bus';
import type { EntityManager } from 'typeorm';
import { ProvisioningRunner } from '../runs/provisioning-runner';

/**
 * On `ContractActivated`: one `provision` run per action the contract lists, pending and due now. The unique key
 * (contract, action, kind) turns a second activation or a duplicate into nothing. The calls themselves are jobs of
 * their own, enqueued after this transaction commits, so a slow target never holds the subscriber's transaction.
 * The contract's row is share-locked until commit, so a void (which locks it for update) comes either before,
 * and nothing starts, or after, and its reversal finds the runs. Reading the contract, locking it and inserting its
 * runs is one statement: after waiting for a void's lock, PostgreSQL checks `status` again on the row as it is now.
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
    const created: { id: string; next_attempt_at: Date }[] = await em.query(
      `INSERT INTO provisioning_orders (id, contract_id, customer_id, action, kind, params, status, attempts,
                                        next_attempt_at)
       SELECT gen_random_uuid(), k.id, k.customer_id, a.action, 'provision', coalesce(a.params, '{}'), 'pending', 0,
              now()
         FROM (SELECT id, customer_id, provisioning FROM contracts WHERE id = $1 AND status <> 'voided' FOR SHARE) k,
              jsonb_to_recordset(k.provisioning) AS a (action text, params jsonb)
       ON CONFLICT (contract_id, action, kind) DO NOTHING
       RETURNING id, next_attempt_at`,
      [event.aggregateId],
    );
    if (created.length === 0) return { outcome: 'skipped', emitted: [] };
    return { outcome: 'done', emitted: [], afterCommit: () => this.runner.dispatchOrLeaveForSweeper(created) };
  }
}
