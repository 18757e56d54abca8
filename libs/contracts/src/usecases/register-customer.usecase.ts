import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { IDEMPOTENCY_ERRORS, idempotencyDigest, type IdempotencyScope } from '@app/common';
import { CustomerEntity, type PostalAddress } from '@app/domain';
import type { DataSource } from 'typeorm';
import { ContractsError } from '../contracts.errors';

export interface RegisterCustomerCommand {
  externalRef: string;
  name: string;
  email: string;
  taxId?: string;
  address?: PostalAddress;
  /** The request's API key and Idempotency-Key, when it had one. */
  idempotency?: IdempotencyScope;
}

@Injectable()
export class RegisterCustomerUseCase {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * A new customer, `pending`. A request with an Idempotency-Key leaves its digest on the row (`request_key`): when
   * the key's stored answer was lost (the process died between the insert and storing it), the retry with the same
   * key and externalRef gets the customer it created; the same key with another externalRef is another request,
   * refused with IDEMPOTENCY.KEY_REUSED.
   */
  async execute(command: RegisterCustomerCommand): Promise<CustomerEntity> {
    const repository = this.dataSource.getRepository(CustomerEntity);
    const requestKey = command.idempotency ? idempotencyDigest(command.idempotency) : null;
    const inserted: { id: string }[] = await this.dataSource.query(
      `INSERT INTO customers (id, external_ref, name, email, tax_id, address, status, request_key)
       VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7)
       ON CONFLICT DO NOTHING RETURNING id`,
      [
        randomUUID(),
        command.externalRef,
        command.name,
        command.email.trim().toLowerCase(),
        command.taxId ?? null,
        command.address ? JSON.stringify(command.address) : null,
        requestKey,
      ],
    );
    if (inserted[0]) return repository.findOneByOrFail({ id: inserted[0].id });
    const [existing]: { id: string; external_ref: string; request_key: string | null }[] = await this.dataSource.query(
      `SELECT id, external_ref, request_key FROM customers WHERE external_ref = $1 OR request_key = $2
        ORDER BY (request_key IS NOT DISTINCT FROM $2) DESC LIMIT 1`,
      [command.externalRef, requestKey],
    );
    if (!existing) throw new Error(`customers: a conflict on "${command.externalRef}" but no row found`);
    if (requestKey !== null && existing.request_key === requestKey) {
      if (existing.external_ref === command.externalRef) return repository.findOneByOrFail({ id: existing.id });
      throw new ContractsError(
        IDEMPOTENCY_ERRORS.KEY_REUSED,
        'This Idempotency-Key already created another customer; use a new key for a new request',
      );
    }
    throw new ContractsError(
      'CUSTOMER.EXTERNAL_REF_TAKEN',
      `A customer with externalRef "${command.externalRef}" already exists`,
      { customerId: existing.id },
    );
  }
}
