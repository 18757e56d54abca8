import { Module } from '@nestjs/common';
import { ContractsController } from './api/contracts.controller';
import { CustomersController } from './api/customers.controller';
import { ActivateCustomerWhenContractActivatedHandler } from './handlers/activate-customer-when-contract-activated.handler';
import { ApplySignatureEventsUseCase } from './usecases/apply-signature-events.usecase';
import { ContractsQueries } from './usecases/contracts.queries';
import { RegisterContractUseCase } from './usecases/register-contract.usecase';
import { RegisterCustomerUseCase } from './usecases/register-customer.usecase';

@Module({
  controllers: [CustomersController, ContractsController],
  providers: [
    ApplySignatureEventsUseCase,
    ContractsQueries,
    RegisterContractUseCase,
    RegisterCustomerUseCase,
    ActivateCustomerWhenContractActivatedHandler,
  ],
  exports: [ApplySignatureEventsUseCase],
})
export class ContractsModule {}
