import type { ValidationError } from 'class-validator';

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

/** What is wrong with one field of a request (a dotted path: `signers.0.email`, or `body` for the whole). */
export interface FieldProblem {
  field: string;
  problem: string;
}

export class RequestInvalidError extends AppError {
  constructor(message: string, fields: FieldProblem[]) {
    super('REQUEST.INVALID', message, { fields });
  }

  /** The message joins the problems as `field: problem; …`. */
  static forFields(fields: FieldProblem[]): RequestInvalidError {
    return new RequestInvalidError(fields.map((f) => `${f.field}: ${f.problem}`).join('; '), fields);
  }

  static forField(field: string, problem: string): RequestInvalidError {
    return RequestInvalidError.forFields([{ field, problem }]);
  }
}

/** class-validator's errors, nested ones included, as one problem per constraint and field. */
export function validationProblems(errors: ValidationError[], prefix = ''): FieldProblem[] {
  return errors.flatMap((error) => {
    const field = prefix ? `${prefix}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((problem) => ({ field, problem }));
    return [...own, ...validationProblems(error.children ?? [], field)];
  });
}
