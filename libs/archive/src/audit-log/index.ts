export * from './audit-chain';
export * from './audit-log';
export * from './audit-log.module';
export * from './audit-log.queries';
export * from './canonical-json';
export * from './domain-event-auditor';
