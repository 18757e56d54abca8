import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { OutboxRelay } from '@app/event-bus';
import { ProviderError, SignatureProviderRegistry } from '@app/signature-providers';
import type { DataSource } from 'typeorm';
import { ContractsError } from '../contracts.errors';
import { voidAfterSigning } from '../lifecycle';
import type { ContractStatus } from '../lifecycle/contract-status';
import { applySystemTransition } from './apply-system-transition';

/** Every signer has signed: the platform's envelope is complete and can no longer be voided there. */
const SIGNED_STATUSES: readonly ContractStatus[] = ['signed', 'active', 'on_hold'];

/**
 * Voids a contract. Before every signature, the platform is asked to void the envelope; the status changes when
 * its `voided` event arrives, on the one path every event takes, and this records only that the void was
 * requested. Once every signer has signed (signed, active, on hold), the envelope is complete and no platform
 * voids it: SignBridge voids the contract itself, at once (`voided`, `ContractVoided`, provisioning reversed).
 */
@Injectable()
export class VoidContractUseCase {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly providers: SignatureProviderRegistry,
    private readonly relay: OutboxRelay,
  ) {}

  async execute(contractId: string, reason: string | undefined, actor: string): Promise<void> {
    const rows: { provider: string; envelope_id: string; status: ContractStatus }[] = await this.dataSource.query(
      `SELECT provider, envelope_id, status FROM contracts WHERE id = $1`,
      [contractId],
    );
    const contract = rows[0];
    if (!contract) throw new ContractsError('CONTRACT.NOT_FOUND', `No contract with id ${contractId}`);
    if (contract.status === 'voided') return;
    if (SIGNED_STATUSES.includes(contract.status)) return this.voidAfterSigning(contractId, reason, actor);
    try {
      await this.providers.get(contract.provider).voidEnvelope(contract.envelope_id, reason);
    } catch (error) {
      if (error instanceof ProviderError && error.code === 'PROVIDER.CONFLICT') {
        throw new ContractsError(
          'CONTRACT.NOT_VOIDABLE',
          `The platform refused to void the envelope (contract status ${contract.status}): ${error.message}`,
          undefined,
          { cause: error },
        );
      }
      throw error;
    }
    await this.dataSource.query(
      `UPDATE contracts SET void_requested_at = coalesce(void_requested_at, now()), updated_at = now() WHERE id = $1`,
      [contractId],
    );
  }

  private async voidAfterSigning(contractId: string, reason: string | undefined, actor: string): Promise<void> {
    const requestId = randomUUID();
    const occurredAt = new Date();
    const result = await this.dataSource.transaction(async (em) => {
      const applied = await applySystemTransition(em, {
        contractId,
        eventKey: `system:void-after-signing:${contractId}`,
        type: 'voided_after_signing',
        transition: (state) => voidAfterSigning(state, { at: occurredAt, reason }),
        correlationId: requestId,
        causationId: requestId,
        occurredAt,
        detail: { actor, ...(reason ? { reason } : {}) },
      });
      if (applied.changed) {
        await em.query(`UPDATE contracts SET void_requested_at = coalesce(void_requested_at, now()) WHERE id = $1`, [
          contractId,
        ]);
      }
      return applied;
    });
    // Changed, or voided meanwhile by a concurrent request: both are a success. Anything else moved backwards.
    if (!result.changed && result.after.status !== 'voided') {
      throw new ContractsError('CONTRACT.NOT_VOIDABLE', `Contract ${contractId} is ${result.after.status}`);
    }
    await this.relay.dispatchOrLeaveForSweeper(result.emitted);
  }
}
