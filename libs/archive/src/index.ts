export * from './audit-log';
export * from './documents';
export * from './evidence';
