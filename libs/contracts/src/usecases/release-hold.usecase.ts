import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { appendToOutbox, OutboxRelay, type OutboxRef } from '@app/event-bus';
import type { DataSource } from 'typeorm';
import { ContractsError } from '../contracts.errors';
import { evaluateActivationGate, releaseHold } from '../lifecycle';
import { applySystemTransition } from './apply-system-transition';

/**
 * Staff release a hold with a written justification. The release, who made it and why become a
 * `ContractHoldReleased` domain event, which the audit log records like every other.
 */
@Injectable()
export class ReleaseHoldUseCase {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly relay: OutboxRelay,
  ) {}

  async execute(contractId: string, justification: string, actor: string): Promise<void> {
    const requestId = randomUUID();
    let emitted: OutboxRef[] = [];
    await this.dataSource.transaction(async (em) => {
      const occurredAt = new Date();
      const result = await applySystemTransition(em, {
        contractId,
        eventKey: `system:release-hold:${requestId}`,
        type: 'hold_released',
        transition: releaseHold,
        correlationId: requestId,
        causationId: requestId,
        occurredAt,
        detail: { actor, justification },
      });
      if (!result.changed) {
        throw new ContractsError(
          'CONTRACT.NOT_ON_HOLD',
          `Contract ${contractId} is ${result.before.status}, not on hold`,
        );
      }
      const gate = evaluateActivationGate(result.before);
      const reason = gate.result === 'fail' ? gate.reason : 'unknown';
      const released = await appendToOutbox(
        em,
        [{ type: 'ContractHoldReleased', data: { customerId: result.after.customerId, reason, justification, actor } }],
        {
          aggregateType: 'contract',
          aggregateId: contractId,
          correlationId: requestId,
          causationId: requestId,
          occurredAt,
        },
      );
      emitted = [...result.emitted, ...released];
    });
    await this.relay.dispatchOrLeaveForSweeper(emitted);
  }
}
