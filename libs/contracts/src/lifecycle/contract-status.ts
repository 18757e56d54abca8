export const CONTRACT_STATUSES = [
  'draft',
  'sent',
  'delivery_failed',
  'delivered',
  'opened',
  'partially_signed',
  'signed',
  'active',
  'on_hold',
  'declined',
  'expired',
  'voided',
] as const;
export type ContractStatus = (typeof CONTRACT_STATUSES)[number];

/** Why the activation gate refused: a stable code staff and the ERP can act on. */
export type HoldReason = 'SIGNATURE.LEVEL_TOO_LOW';
