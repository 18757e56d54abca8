import { meetsSignatureLevel, signatureLevelRank, type SignatureLevel } from '@app/domain';
import type { LifecycleState } from './contract-lifecycle';
import type { HoldReason } from './contract-status';

export type GateResult =
  { result: 'pending' } | { result: 'pass' } | { result: 'fail'; reason: HoldReason; detail: string };

type GateInput = Pick<LifecycleState, 'signers' | 'requiredLevel' | 'evidenceRequired' | 'releasedHolds' | 'facts'>;

/**
 * Activation gate, in order: every signature's level known and at least the required one; then, when the
 * provider serves documents, the signed PDF and evidence archived with verified hashes. A released refusal
 * is skipped. The archive's refusal is final until staff release it, so it holds the contract even while a
 * signature's level is still unknown (a signer the platform's evidence never dated has no level either).
 */
export function evaluateActivationGate(state: GateInput): GateResult {
  const released = new Set(state.releasedHolds ?? []);
  const evidence = state.evidenceRequired ? state.facts.evidence : undefined;
  const refused: GateResult | undefined =
    evidence?.result === 'failed' && !released.has(evidence.reason)
      ? { result: 'fail', reason: evidence.reason, detail: evidence.detail }
      : undefined;
  const levels = state.signers.map((s) => s.signature?.level);
  if (levels.some((l) => l === undefined)) return refused ?? { result: 'pending' };
  const lowest = (levels as SignatureLevel[]).reduce((a, b) => (signatureLevelRank(b) < signatureLevelRank(a) ? b : a));
  if (!meetsSignatureLevel(lowest, state.requiredLevel) && !released.has('SIGNATURE.LEVEL_TOO_LOW')) {
    return {
      result: 'fail',
      reason: 'SIGNATURE.LEVEL_TOO_LOW',
      detail: `lowest signature level is ${lowest}; the contract requires ${state.requiredLevel}`,
    };
  }
  if (!state.evidenceRequired) return { result: 'pass' };
  if (!evidence) return { result: 'pending' };
  return refused ?? { result: 'pass' };
}
