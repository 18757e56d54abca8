export * from './config/sandbox-config';
export * from './database/sandbox-database';
export * from './sandbox-core.module';
export * from './sandbox.tokens';
export * from './webhooks/webhook-outbox';
