import { AppError, registerErrorStatuses } from '@app/common';

registerErrorStatuses({
  'PROVISIONING.ORDER_NOT_FOUND': 404,
  'PROVISIONING.NOT_RETRYABLE': 409,
});

/**
 * Errors of the provisioning module. Run outcomes (kept on the run as `lastError`, in `ProvisioningFailed.reason`):
 * PROVISIONING.TARGET_NOT_CONFIGURED, PROVISIONING.UNKNOWN_ACTION, PROVISIONING.NOT_REVERSIBLE,
 * PROVISIONING.TARGET_REJECTED (a final 3xx/4xx), PROVISIONING.ATTEMPTS_EXHAUSTED, PROVISIONING.NOTHING_TO_REVERSE (a
 * reversal whose provision run failed: nothing was provisioned, so nothing is undone).
 */
export class ProvisioningError extends AppError {}

export type ProvisioningFailureReason =
  | 'PROVISIONING.TARGET_NOT_CONFIGURED'
  | 'PROVISIONING.UNKNOWN_ACTION'
  | 'PROVISIONING.NOT_REVERSIBLE'
  | 'PROVISIONING.TARGET_REJECTED'
  | 'PROVISIONING.ATTEMPTS_EXHAUSTED'
  | 'PROVISIONING.NOTHING_TO_REVERSE';
