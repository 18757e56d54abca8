import { Injectable, OnModuleInit } from '@nestjs/common';
import { JobRegistry, type DomainEvent, type SubscriberResult } from '@app/event-bus';
import type { EntityManager } from 'typeorm';
import { ProvisioningActionRegistry } from '../actions/provisioning-action.registry';
import { ProvisioningRunner } from '../runs/provisioning-runner';
import { insertRuns } from './insert-runs';

/**
 * On `ContractVoided`, or a `CreditNoteIssued` that cancels the whole first invoice: one `reverse` run per action
 * that knows how to undo itself (account disabled, order cancelled) and whose provision run succeeded or may
 * still succeed (pending, running: the reversal waits for it), with the same retry machinery. A provision run
 * that failed has nothing to undo.
 */
@Injectable()
export class ReverseProvisioningWhenContractVoidedHandler implements OnModuleInit {
  constructor(
    private readonly registry: JobRegistry,
    private readonly runner: ProvisioningRunner,
    private readonly actions: ProvisioningActionRegistry,
  ) {}

  onModuleInit(): void {
    this.registry.registerSubscriber('provisioning.reverse-runs', (event, em) => this.handle(event, em));
  }

  async handle(event: DomainEvent, em: EntityManager): Promise<SubscriberResult> {
    const contractId = contractToReverse(event);
    if (!contractId) return { outcome: 'skipped', emitted: [] };
    const provisioned: { action: string; customer_id: string; params: Record<string, unknown> }[] = await em.query(
      `SELECT action, customer_id, params FROM provisioning_orders
        WHERE contract_id = $1 AND kind = 'provision' AND status <> 'failed' ORDER BY created_at, action`,
      [contractId],
    );
    const reversible = provisioned.filter((run) => this.actions.get(run.action)?.reverse !== undefined);
    if (reversible.length === 0) return { outcome: 'skipped', emitted: [] };
    const created = await insertRuns(em, contractId, reversible[0].customer_id, 'reverse', reversible);
    if (created.length === 0) return { outcome: 'skipped', emitted: [] };
    return { outcome: 'done', emitted: [], afterCommit: () => this.runner.dispatchOrLeaveForSweeper(created) };
  }
}

function contractToReverse(event: DomainEvent): string | undefined {
  if (event.type === 'ContractVoided') return event.aggregateId;
  if (event.type === 'CreditNoteIssued') {
    const data = (event as DomainEvent<'CreditNoteIssued'>).data;
    return data.cancelsWholeInvoice ? data.contractId : undefined;
  }
  return undefined;
}
