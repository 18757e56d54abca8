import { AppError, registerErrorStatuses } from '@app/common';

/** The sandbox platform's error codes and their HTTP status (problem+json through the common filter). */
export const SANDBOX_ERROR_STATUSES = {
  'ENVELOPE.INVALID': 400,
  'ENVELOPE.NOT_FOUND': 404,
  'ENVELOPE.NOT_VOIDABLE': 409,
  'ENVELOPE.NOT_COMPLETED': 409,
  'ENVELOPE.NOT_SENT': 409,
  'SIGNER.NOT_FOUND': 404,
  'SIGNER.INVALID_STATE': 409,
  'SIGNING.CONSENT_REQUIRED': 400,
  'SIGNING.CODE_REQUIRED': 400,
  'SIGNING.CERTIFICATE_REQUIRED': 400,
  'MAILBOX.ADDRESS_REQUIRED': 400,
  'IDEMPOTENCY.KEY_REUSED': 422,
} as const;
export type SandboxErrorCode = keyof typeof SANDBOX_ERROR_STATUSES;

registerErrorStatuses(SANDBOX_ERROR_STATUSES);

export class SandboxError extends AppError {
  constructor(
    override readonly code: SandboxErrorCode,
    message: string,
    details?: Record<string, unknown>,
    options?: { cause?: unknown },
  ) {
    super(code, message, details, options);
  }
}

/** A 400 that names the offending field, in the same shape as the validation pipe's. */
export function invalidField(field: string, problem: string): SandboxError {
  return new SandboxError('ENVELOPE.INVALID', `${field}: ${problem}`, { fields: [{ field, problem }] });
}
