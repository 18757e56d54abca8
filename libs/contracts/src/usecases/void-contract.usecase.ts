import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { ProviderError, SignatureProviderRegistry } from '@app/signature-providers';
import type { DataSource } from 'typeorm';
import { ContractsError } from '../contracts.errors';

/**
 * Asks the platform to void the contract's envelope. The status changes when the platform's `voided` event
 * arrives, on the one path every event takes; this records only that the void was requested.
 */
@Injectable()
export class VoidContractUseCase {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly providers: SignatureProviderRegistry,
  ) {}

  async execute(contractId: string, reason?: string): Promise<void> {
    const rows: { provider: string; envelope_id: string; status: string }[] = await this.dataSource.query(
      `SELECT provider, envelope_id, status FROM contracts WHERE id = $1`,
      [contractId],
    );
    const contract = rows[0];
    if (!contract) throw new ContractsError('CONTRACT.NOT_FOUND', `No contract with id ${contractId}`);
    if (contract.status === 'voided') return;
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
}
