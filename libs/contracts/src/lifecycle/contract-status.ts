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
export const HOLD_REASONS = [
  'SIGNATURE.LEVEL_TOO_LOW',
  'EVIDENCE.HASH_MISMATCH',
  'EVIDENCE.UNAVAILABLE',
  'EVIDENCE.INCOMPLETE',
] as const;
export type HoldReason = (typeof HOLD_REASONS)[number];
/** Why archiving the evidence failed for good; a subset of the hold reasons. */
export type EvidenceFailure = Extract<HoldReason, `EVIDENCE.${string}`>;
