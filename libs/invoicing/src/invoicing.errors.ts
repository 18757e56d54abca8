import { AppError, registerErrorStatuses } from '@app/common';

registerErrorStatuses({
  'INVOICE.NOT_FOUND': 404,
  'INVOICE.NOT_CREDITABLE': 409,
  'INVOICE.CREDIT_EXCEEDS_REMAINING': 409,
  'INVOICE.INVALID': 400,
});

/** Errors of the invoicing module; the code is the contract with API clients, the message is for people. */
export class InvoicingError extends AppError {}
