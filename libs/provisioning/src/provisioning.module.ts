import { Module } from '@nestjs/common';
import { ProvisioningActionRegistry } from './actions/provisioning-action.registry';
import { ProvisioningOrdersController } from './api/provisioning-orders.controller';
import { ReverseProvisioningWhenContractVoidedHandler } from './handlers/reverse-provisioning-when-contract-voided.handler';
import { StartProvisioningRunsWhenContractActivatedHandler } from './handlers/start-provisioning-runs-when-contract-activated.handler';
import { ProvisioningOrdersQueries } from './runs/provisioning-orders.queries';
import { ProvisioningMetrics } from './runs/provisioning.metrics';
import { ProvisioningRunner } from './runs/provisioning-runner';
import { RetryProvisioningOrderUseCase } from './runs/retry-provisioning-order.usecase';

/** Provisioning on activation (access credentials, warehouse orders, custom actions), reversal on void. */
@Module({
  controllers: [ProvisioningOrdersController],
  providers: [
    ProvisioningActionRegistry,
    ProvisioningRunner,
    ProvisioningMetrics,
    ProvisioningOrdersQueries,
    RetryProvisioningOrderUseCase,
    StartProvisioningRunsWhenContractActivatedHandler,
    ReverseProvisioningWhenContractVoidedHandler,
  ],
  exports: [ProvisioningActionRegistry],
})
export class ProvisioningModule {}
