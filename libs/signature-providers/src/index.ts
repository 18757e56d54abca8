export * from './signature-event';
export * from './provider-adapter';
export * from './standard-webhooks/standard-webhooks';
export * from './sandbox/sandbox-webhook.adapter';
export * from './webhook-adapter.registry';
export * from './signature-provider';
export * from './sandbox/sandbox-signature.provider';
