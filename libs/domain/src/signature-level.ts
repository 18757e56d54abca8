/** eIDAS signature levels, weakest first. The order is what the activation gate compares. */
export const SIGNATURE_LEVELS = ['simple', 'advanced', 'qualified'] as const;
export type SignatureLevel = (typeof SIGNATURE_LEVELS)[number];

export function isSignatureLevel(value: unknown): value is SignatureLevel {
  return typeof value === 'string' && (SIGNATURE_LEVELS as readonly string[]).includes(value);
}

export function signatureLevelRank(level: SignatureLevel): number {
  return SIGNATURE_LEVELS.indexOf(level);
}

/** True when `actual` is at least as strong as `required`. */
export function meetsSignatureLevel(actual: SignatureLevel, required: SignatureLevel): boolean {
  return signatureLevelRank(actual) >= signatureLevelRank(required);
}
