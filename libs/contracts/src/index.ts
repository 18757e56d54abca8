export * from './lifecycle';
export * from './contracts.errors';
export * from './contracts.module';
export * from './usecases/apply-signature-events.usecase';
export * from './usecases/envelope-lock';
export * from './reconciliation/contract-reconciler';
