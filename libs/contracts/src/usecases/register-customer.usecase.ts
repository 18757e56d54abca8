import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { CustomerEntity, type PostalAddress } from '@app/domain';
import type { DataSource } from 'typeorm';
import { ContractsError } from '../contracts.errors';

export interface RegisterCustomerCommand {
  externalRef: string;
  name: string;
  email: string;
  taxId?: string;
  address?: PostalAddress;
}

@Injectable()
export class RegisterCustomerUseCase {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async execute(command: RegisterCustomerCommand): Promise<CustomerEntity> {
    const repository = this.dataSource.getRepository(CustomerEntity);
    const inserted: { id: string }[] = await this.dataSource.query(
      `INSERT INTO customers (id, external_ref, name, email, tax_id, address, status)
       VALUES ($1, $2, $3, $4, $5, $6, 'pending')
       ON CONFLICT (external_ref) DO NOTHING RETURNING id`,
      [
        randomUUID(),
        command.externalRef,
        command.name,
        command.email.trim().toLowerCase(),
        command.taxId ?? null,
        command.address ? JSON.stringify(command.address) : null,
      ],
    );
    if (inserted.length === 0) {
      const existing = await repository.findOneByOrFail({ externalRef: command.externalRef });
      throw new ContractsError(
        'CUSTOMER.EXTERNAL_REF_TAKEN',
        `A customer with externalRef "${command.externalRef}" already exists`,
        { customerId: existing.id },
      );
    }
    return repository.findOneByOrFail({ id: inserted[0].id });
  }
}
