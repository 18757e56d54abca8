export * from './idempotency.errors';
export * from './idempotency-rules';
export * from './idempotency.store';
export * from './idempotency.interceptor';
export * from './idempotent.decorator';
export * from './idempotency-scope';
export * from './idempotent-options';
