export * from './erp-notifications.module';
export * from './erp-notifications.errors';
export * from './webhook-request';
export { retryDelayMs } from './deliveries/retry-delay';
export { WebhookDeliveryRunner } from './deliveries/webhook-delivery-runner';
export { WebhookFanout } from './fanout/webhook-fanout';
