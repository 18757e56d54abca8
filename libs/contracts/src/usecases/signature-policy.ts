import type { SignatureLevelRule } from '@app/common';
import { signatureLevelRank, type Money, type SignatureLevel } from '@app/domain';

/**
 * The level a contract requires: what the caller asked for, raised to what the policy demands for its amount
 * (never lowered: a caller may always ask for more).
 */
export function requiredSignatureLevel(
  amount: Money,
  requested: SignatureLevel | undefined,
  policy: readonly SignatureLevelRule[],
): SignatureLevel {
  let level: SignatureLevel = requested ?? 'simple';
  for (const rule of policy) {
    if (rule.currency !== amount.currency || amount.amountCents < rule.minAmountCents) continue;
    if (signatureLevelRank(rule.level) > signatureLevelRank(level)) level = rule.level;
  }
  return level;
}
