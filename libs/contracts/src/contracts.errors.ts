import { AppError, registerErrorStatuses } from '@app/common';

registerErrorStatuses({
  'CUSTOMER.NOT_FOUND': 404,
  'CUSTOMER.EXTERNAL_REF_TAKEN': 409,
  'CONTRACT.NOT_FOUND': 404,
  'CONTRACT.ENVELOPE_TAKEN': 409,
  'CONTRACT.INVALID': 400,
  'CONTRACT.NOT_VOIDABLE': 409,
  'CONTRACT.NOT_ON_HOLD': 409,
});

/** Errors of the contracts module; the code is the contract with API clients, the message is for people. */
export class ContractsError extends AppError {}
