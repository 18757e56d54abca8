export * from './provisioning.module';
export * from './provisioning.errors';
export * from './actions/provisioning-action';
export * from './actions/provisioning-action.registry';
export * from './actions/access-credentials.action';
export * from './actions/warehouse-order.action';
export { buildHttpRequest, callTarget, type TargetAnswer } from './http/target-client';
export { ProvisioningRunner } from './runs/provisioning-runner';
