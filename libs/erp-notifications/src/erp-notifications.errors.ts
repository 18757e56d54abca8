import { AppError, registerErrorStatuses } from '@app/common';

registerErrorStatuses({
  'WEBHOOK.ENDPOINT_NOT_FOUND': 404,
  'WEBHOOK.DELIVERY_NOT_FOUND': 404,
  'WEBHOOK.NOT_REPLAYABLE': 409,
  'WEBHOOK.ENDPOINT_DISABLED': 409,
});

/**
 * Errors of the ERP notifications module. Delivery outcomes (kept on the delivery as `lastError`):
 * WEBHOOK.ATTEMPTS_EXHAUSTED (the retry schedule ran out), WEBHOOK.GONE (the endpoint answered 410 and was
 * disabled), WEBHOOK.ENDPOINT_DISABLED (disabled while the delivery waited), WEBHOOK.ENDPOINT_DELETED (deleted while it
 * waited).
 */
export class ErpNotificationsError extends AppError {}

export type DeliveryFailureReason =
  'WEBHOOK.ATTEMPTS_EXHAUSTED' | 'WEBHOOK.GONE' | 'WEBHOOK.ENDPOINT_DISABLED' | 'WEBHOOK.ENDPOINT_DELETED';
