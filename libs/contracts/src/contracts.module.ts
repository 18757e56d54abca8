import { Module } from '@nestjs/common';
import { ContractsController } from './api/contracts.controller';
import { CustomersController } from './api/customers.controller';
import { ActivateCustomerWhenContractActivatedHandler } from './handlers/activate-customer-when-contract-activated.handler';
import { ApplyEvidenceOutcomeWhenArchivedHandler } from './handlers/apply-evidence-outcome-when-archived.handler';
import { ContractsMetrics } from './contracts.metrics';
import { ContractReconciler } from './reconciliation/contract-reconciler';
import { ApplySignatureEventsUseCase } from './usecases/apply-signature-events.usecase';
import { ContractsQueries } from './usecases/contracts.queries';
import { RegisterContractUseCase } from './usecases/register-contract.usecase';
import { RegisterCustomerUseCase } from './usecases/register-customer.usecase';
import { ReleaseHoldUseCase } from './usecases/release-hold.usecase';
import { SendContractForSignatureUseCase } from './usecases/send-contract-for-signature.usecase';
import { VoidContractUseCase } from './usecases/void-contract.usecase';

@Module({
  controllers: [CustomersController, ContractsController],
  providers: [
    ApplySignatureEventsUseCase,
    ContractReconciler,
    ContractsMetrics,
    ContractsQueries,
    RegisterContractUseCase,
    RegisterCustomerUseCase,
    SendContractForSignatureUseCase,
    VoidContractUseCase,
    ActivateCustomerWhenContractActivatedHandler,
    ApplyEvidenceOutcomeWhenArchivedHandler,
    ReleaseHoldUseCase,
  ],
  exports: [ApplySignatureEventsUseCase],
})
export class ContractsModule {}
