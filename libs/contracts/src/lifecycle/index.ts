export * from './contract-status';
export * from './contract-lifecycle';
