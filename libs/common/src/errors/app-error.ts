/**
 * The one error shape every module throws: a stable string `code` the ERP can branch on, a human
 * message, and the cause. The HTTP status is a property of the code, looked up by the global filter.
 */
export class AppError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** HTTP status per error code; codes not listed here are 500. Modules add theirs at import time. */
const statusByCode = new Map<string, number>([
  ['REQUEST.INVALID', 400],
  ['REQUEST.BODY_TOO_LARGE', 413],
  ['REQUEST.UNSUPPORTED_MEDIA_TYPE', 415],
  ['AUTH.UNAUTHENTICATED', 401],
  ['AUTH.FORBIDDEN', 403],
  ['ROUTE.NOT_FOUND', 404],
  ['SERVICE.UNAVAILABLE', 503],
]);

export function registerErrorStatuses(entries: Record<string, number>): void {
  for (const [code, status] of Object.entries(entries)) statusByCode.set(code, status);
}

export function statusForCode(code: string): number {
  return statusByCode.get(code) ?? 500;
}

export class RequestInvalidError extends AppError {
  constructor(message: string, fields: { field: string; problem: string }[]) {
    super('REQUEST.INVALID', message, { fields });
  }
}
