export * from './audit-log';
export * from './documents';
