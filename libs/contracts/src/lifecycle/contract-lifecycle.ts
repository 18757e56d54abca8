import { signatureLevelRank, type SignatureLevel } from '@app/domain';
import type { DomainEventDraft } from '@app/event-bus';
import type { SignatureEvent } from '@app/signature-providers';
import { evaluateActivationGate } from './activation-gate';
import type { ContractStatus, EvidenceFailure, HoldReason } from './contract-status';

export { evaluateActivationGate, type GateResult } from './activation-gate';

/**
 * The contract lifecycle as a pure function: (state, event) → (state, effects). No I/O, no clock.
 *
 * Why facts and not transitions: platforms deliver events late, twice and out of order. The state keeps
 * the *facts* each event reports (as sets, maxima and earliest instants, so folding them is commutative and
 * idempotent) and the status is derived from those facts alone. Any permutation or duplication of a
 * history therefore ends in the same state. Effects (domain events) are "milestones" derived from the
 * state and emitted once each, remembered in `emitted`, so they converge too.
 */

export type TerminalType = 'declined' | 'expired' | 'voided';

export interface SignerSignature {
  at: string;
  level?: SignatureLevel;
  ip?: string;
  userAgent?: string;
  authMethod?: string;
  otpVerified?: boolean;
}

/** What archiving the signed PDF and the evidence came to (ARCHITECTURE.md §5: the activation gate). */
export type EvidenceOutcome =
  | { result: 'archived'; at: string; signedSha256: string; evidenceSha256: string }
  | { result: 'failed'; at: string; reason: EvidenceFailure; detail: string };

export interface SignerRecord {
  email: string;
  name: string;
  signature?: SignerSignature;
}

export interface LifecycleFacts {
  /** Every distinct instant the envelope was sent (re-sending after a bounce adds one). */
  sends: string[];
  deliveryFailures: string[];
  deliveredAt?: string;
  openedAt?: string;
  completedAt?: string;
  /** The earliest final event wins; a later conflicting one is an anomaly. */
  terminal?: { type: TerminalType; at: string; reason?: string };
  evidenceReadyAt?: string;
  /** Set once the archive reported; an `archived` outcome beats a `failed` one whatever their order. */
  evidence?: EvidenceOutcome;
  /** Provider event ids of failed authentications (an id set, so duplicates count once). */
  authenticationFailures: { eventId: string; email?: string; at: string }[];
  /**
   * The ERP voided the contract after every signer had signed. The platform cannot void a completed envelope,
   * so this comes from SignBridge, not from a provider event; it makes the contract `voided` for good.
   */
  voidedAfterSigning?: { at: string; reason?: string };
}

export interface LifecycleState {
  customerId: string;
  status: ContractStatus;
  requiredLevel: SignatureLevel;
  signers: SignerRecord[];
  facts: LifecycleFacts;
  /** Activation waits for the signed PDF and the evidence to be archived with verified hashes. */
  evidenceRequired?: boolean;
  /** The gate refusals staff released, each with a written justification (kept with the release's audit entry). */
  releasedHolds?: HoldReason[];
  /** Registered as already sent by the platform; the platform's own `sent` event brings the instant. */
  sentElsewhere?: boolean;
  /** Milestone keys already emitted as domain events, sorted. */
  emitted: string[];
}

/** The part of a canonical event the lifecycle reads. */
export type LifecycleEvent = Pick<SignatureEvent, 'providerEventId' | 'type' | 'occurredAt' | 'signer' | 'reason'>;

export type TransitionOutcome = 'advanced' | 'recorded' | 'duplicate' | 'anomaly';

export interface Transition {
  state: LifecycleState;
  effects: DomainEventDraft[];
  outcome: TransitionOutcome;
  /** Why an event was an anomaly: a stable code for the timeline. */
  anomaly?: string;
}

export function createLifecycle(input: {
  customerId: string;
  signers: { email: string; name: string }[];
  requiredLevel: SignatureLevel;
  /** The instant SignBridge itself sent the envelope. */
  sentAt?: Date;
  /** Registered after being sent elsewhere, at an instant SignBridge does not know: `sent`, no send fact. */
  sentElsewhere?: boolean;
  /** The provider can serve the signed PDF and evidence: activation then waits until both are archived. */
  evidenceRequired?: boolean;
}): Transition {
  const facts: LifecycleFacts = {
    sends: input.sentAt ? [input.sentAt.toISOString()] : [],
    deliveryFailures: [],
    authenticationFailures: [],
  };
  const base: LifecycleState = {
    customerId: input.customerId,
    status: 'draft',
    requiredLevel: input.requiredLevel,
    signers: input.signers.map((s) => ({ email: normalizeEmail(s.email), name: s.name })),
    facts,
    emitted: [],
    ...(input.sentElsewhere ? { sentElsewhere: true } : {}),
    ...(input.evidenceRequired ? { evidenceRequired: true } : {}),
  };
  return settle(base, base, 'advanced');
}

export function applySignatureEvent(state: LifecycleState, event: LifecycleEvent): Transition {
  const anomaly = detectAnomaly(state, event);
  if (anomaly === 'SIGNER_UNKNOWN') {
    return { state, effects: [], outcome: 'anomaly', anomaly };
  }
  const next: LifecycleState = { ...state, facts: foldFact(state, event), signers: foldSigner(state.signers, event) };
  const transition = settle(state, next, 'recorded');
  return anomaly ? { ...transition, outcome: 'anomaly', anomaly } : transition;
}

/**
 * Staff released a hold with a written justification: that refusal no longer blocks activation. Only the
 * reason holding the contract now is released; a different refusal found later holds it again.
 */
export function releaseHold(state: LifecycleState): Transition {
  const gate = evaluateActivationGate(state);
  if (state.status !== 'on_hold' || gate.result !== 'fail') return { state, effects: [], outcome: 'duplicate' };
  const releasedHolds = [...(state.releasedHolds ?? []), gate.reason].sort();
  return settle(state, { ...state, releasedHolds }, 'recorded');
}

/** The archive's report. Pure fold: an `archived` outcome wins over `failed`, so the order they arrive in cannot matter. */
export function applyEvidenceOutcome(state: LifecycleState, outcome: EvidenceOutcome): Transition {
  const current = state.facts.evidence;
  const next = preferredEvidence(current, outcome);
  if (next === current) return { state, effects: [], outcome: 'duplicate' };
  return settle(state, { ...state, facts: { ...state.facts, evidence: next } }, 'recorded');
}

/**
 * The ERP voids a contract that every signer has signed (signed, active or on hold): `voided`, final, and
 * `ContractVoided` once, which reverses its provisioning. Before every signature, a void goes through the platform.
 */
export function voidAfterSigning(state: LifecycleState, input: { at: Date; reason?: string }): Transition {
  if (state.facts.voidedAfterSigning || !allSigned(state)) return { state, effects: [], outcome: 'duplicate' };
  const voided = { at: input.at.toISOString(), ...(input.reason ? { reason: input.reason } : {}) };
  return settle(state, { ...state, facts: { ...state.facts, voidedAfterSigning: voided } }, 'recorded');
}

export function deriveStatus(state: Omit<LifecycleState, 'status' | 'emitted'>): ContractStatus {
  const { facts } = state;
  if (facts.voidedAfterSigning) return 'voided';
  if (allSigned(state)) {
    const gate = evaluateActivationGate(state);
    switch (gate.result) {
      case 'pending':
        return 'signed';
      case 'pass':
        return 'active';
      case 'fail':
        return 'on_hold';
    }
  }
  if (facts.terminal) return facts.terminal.type;
  if (countedSignatures(state).length > 0) return 'partially_signed';
  if (facts.openedAt) return 'opened';
  if (facts.deliveredAt) return 'delivered';
  const lastSend = latest(facts.sends);
  const lastBounce = latest(facts.deliveryFailures);
  if (lastBounce && (!lastSend || lastBounce > lastSend)) return 'delivery_failed';
  return lastSend || state.sentElsewhere ? 'sent' : 'draft';
}

/** Signatures that count: a signature dated after the envelope was closed is not one. */
function countedSignatures(state: Pick<LifecycleState, 'signers' | 'facts'>): SignerRecord[] {
  const closedAt = state.facts.terminal?.at;
  return state.signers.filter((s) => s.signature && (!closedAt || s.signature.at <= closedAt));
}

function allSigned(state: Pick<LifecycleState, 'signers' | 'facts'>): boolean {
  if (state.facts.completedAt && !state.facts.terminal) return true;
  if (state.facts.completedAt && state.facts.terminal && state.facts.completedAt <= state.facts.terminal.at)
    return true;
  return state.signers.length > 0 && countedSignatures(state).length === state.signers.length;
}

function settle(before: LifecycleState, candidate: LifecycleState, changedOutcome: TransitionOutcome): Transition {
  const status = deriveStatus(candidate);
  const withStatus: LifecycleState = { ...candidate, status };
  const due = milestones(withStatus).filter((m) => !before.emitted.includes(m.key));
  const state: LifecycleState = {
    ...withStatus,
    emitted: [...before.emitted, ...due.map((m) => m.key)].sort(),
  };
  const changed = JSON.stringify({ ...before, emitted: [] }) !== JSON.stringify({ ...state, emitted: [] });
  const outcome: TransitionOutcome = status !== before.status ? 'advanced' : changed ? changedOutcome : 'duplicate';
  // Nothing new: hand back the very same state, so callers can tell "unchanged" by identity and skip the write.
  if (outcome === 'duplicate' && due.length === 0) return { state: before, effects: [], outcome };
  return { state, effects: due.map((m) => m.event), outcome };
}

interface Milestone {
  key: string;
  event: DomainEventDraft;
}

/** Every milestone the state has reached, in the order subscribers should see them. */
function milestones(state: LifecycleState): Milestone[] {
  const { facts } = state;
  const out: Milestone[] = [];
  // One per send instant, like bounces: a single "first send" milestone would carry whichever send arrived
  // first, and a re-send delivered before the original would fix the wrong instant for good.
  for (const at of [...facts.sends].sort()) {
    out.push({ key: `ContractSent@${at}`, event: { type: 'ContractSent', data: { at } } });
  }
  for (const at of [...facts.deliveryFailures].sort()) {
    out.push({ key: `ContractDeliveryFailed@${at}`, event: { type: 'ContractDeliveryFailed', data: { at } } });
  }
  if (facts.deliveredAt) {
    out.push({ key: 'ContractDelivered', event: { type: 'ContractDelivered', data: { at: facts.deliveredAt } } });
  }
  if (facts.openedAt) {
    out.push({ key: 'ContractOpened', event: { type: 'ContractOpened', data: { at: facts.openedAt } } });
  }
  for (const failure of [...facts.authenticationFailures].sort((a, b) => a.eventId.localeCompare(b.eventId))) {
    out.push({
      key: `SignerAuthenticationFailed@${failure.eventId}`,
      event: { type: 'SignerAuthenticationFailed', data: { email: failure.email, at: failure.at } },
    });
  }
  for (const signer of countedSignatures(state)) {
    const signature = signer.signature as SignerSignature;
    out.push({
      key: `SignerSigned:${signer.email}`,
      event: { type: 'SignerSigned', data: { email: signer.email, at: signature.at, level: signature.level } },
    });
  }
  if (allSigned(state)) {
    out.push({
      key: 'ContractSigned',
      event: { type: 'ContractSigned', data: { signers: state.signers.map((s) => s.email) } },
    });
  }
  switch (state.status) {
    case 'active':
      out.push({
        key: 'ContractActivated',
        event: { type: 'ContractActivated', data: { customerId: state.customerId } },
      });
      break;
    case 'on_hold': {
      const gate = evaluateActivationGate(state);
      if (gate.result === 'fail') {
        out.push({
          key: `ContractPutOnHold:${gate.reason}`,
          event: {
            type: 'ContractPutOnHold',
            data: { customerId: state.customerId, reason: gate.reason, detail: gate.detail },
          },
        });
      }
      break;
    }
    case 'voided':
      out.push(
        facts.voidedAfterSigning ? voidedAfterSigningMilestone(facts.voidedAfterSigning) : terminalMilestone(state),
      );
      break;
    case 'declined':
    case 'expired':
      out.push(terminalMilestone(state));
      break;
    case 'draft':
    case 'sent':
    case 'delivery_failed':
    case 'delivered':
    case 'opened':
    case 'partially_signed':
    case 'signed':
      break;
  }
  return out;
}

/** The same key as a platform's void: a contract is voided once, whichever way. */
function voidedAfterSigningMilestone(voided: NonNullable<LifecycleFacts['voidedAfterSigning']>): Milestone {
  return { key: 'ContractVoided', event: { type: 'ContractVoided', data: voided } };
}

function terminalMilestone(state: LifecycleState): Milestone {
  const terminal = state.facts.terminal as NonNullable<LifecycleFacts['terminal']>;
  const data = { at: terminal.at, ...(terminal.reason ? { reason: terminal.reason } : {}) };
  switch (terminal.type) {
    case 'declined':
      return { key: 'ContractDeclined', event: { type: 'ContractDeclined', data } };
    case 'expired':
      return { key: 'ContractExpired', event: { type: 'ContractExpired', data } };
    case 'voided':
      return { key: 'ContractVoided', event: { type: 'ContractVoided', data } };
  }
}

function detectAnomaly(state: LifecycleState, event: LifecycleEvent): string | undefined {
  const email = event.signer ? normalizeEmail(event.signer.email) : undefined;
  if (event.type === 'signer_signed' && (!email || !state.signers.some((s) => s.email === email))) {
    return 'SIGNER_UNKNOWN';
  }
  const at = event.occurredAt.toISOString();
  const terminal = state.facts.terminal;
  const isFinal = event.type === 'declined' || event.type === 'expired' || event.type === 'voided';
  if (isFinal && allSigned(state)) return 'FINAL_AFTER_SIGNED';
  if (isFinal && terminal && terminal.type !== event.type) return 'CONFLICTING_FINAL';
  if (terminal && at > terminal.at && !isFinal && event.type !== 'evidence_ready') return 'AFTER_FINAL';
  return undefined;
}

function foldFact(state: LifecycleState, event: LifecycleEvent): LifecycleFacts {
  const facts = state.facts;
  const at = event.occurredAt.toISOString();
  switch (event.type) {
    case 'sent':
      return { ...facts, sends: addUnique(facts.sends, at) };
    case 'delivery_failed':
      return { ...facts, deliveryFailures: addUnique(facts.deliveryFailures, at) };
    case 'delivered':
      return { ...facts, deliveredAt: earliest(facts.deliveredAt, at) };
    case 'opened':
      return { ...facts, openedAt: earliest(facts.openedAt, at) };
    case 'completed':
      return { ...facts, completedAt: earliest(facts.completedAt, at) };
    case 'evidence_ready':
      return { ...facts, evidenceReadyAt: earliest(facts.evidenceReadyAt, at) };
    case 'declined':
    case 'expired':
    case 'voided': {
      const candidate = { type: event.type, at, ...(event.reason ? { reason: event.reason } : {}) };
      return { ...facts, terminal: earlierTerminal(facts.terminal, candidate) };
    }
    case 'authentication_failed': {
      if (facts.authenticationFailures.some((f) => f.eventId === event.providerEventId)) return facts;
      const email = event.signer ? normalizeEmail(event.signer.email) : undefined;
      const failure = { eventId: event.providerEventId, at, ...(email ? { email } : {}) };
      // Kept sorted by event id, not by arrival, so every order of the same failures folds to one state.
      const authenticationFailures = [...facts.authenticationFailures, failure].sort((a, b) =>
        a.eventId.localeCompare(b.eventId),
      );
      return { ...facts, authenticationFailures };
    }
    case 'signer_signed':
      return facts;
  }
}

function foldSigner(signers: SignerRecord[], event: LifecycleEvent): SignerRecord[] {
  if (event.type !== 'signer_signed' || !event.signer) return signers;
  const email = normalizeEmail(event.signer.email);
  const signature: SignerSignature = {
    at: event.occurredAt.toISOString(),
    ...(event.signer.level ? { level: event.signer.level } : {}),
    ...(event.signer.ip ? { ip: event.signer.ip } : {}),
    ...(event.signer.userAgent ? { userAgent: event.signer.userAgent } : {}),
    ...(event.signer.authMethod ? { authMethod: event.signer.authMethod } : {}),
    ...(event.signer.otpVerified !== undefined ? { otpVerified: event.signer.otpVerified } : {}),
  };
  return signers.map((s) => (s.email === email ? { ...s, signature: preferredSignature(s.signature, signature) } : s));
}

/** Two reports of one signer's signature: keep the earliest, then the stronger level, so order cannot matter. */
function preferredSignature(current: SignerSignature | undefined, incoming: SignerSignature): SignerSignature {
  if (!current) return incoming;
  if (incoming.at !== current.at) return incoming.at < current.at ? incoming : current;
  const rank = (s: SignerSignature): number => (s.level ? signatureLevelRank(s.level) : -1);
  if (rank(incoming) !== rank(current)) return rank(incoming) > rank(current) ? incoming : current;
  return JSON.stringify(incoming) < JSON.stringify(current) ? incoming : current;
}

const TERMINAL_ORDER: TerminalType[] = ['voided', 'declined', 'expired'];

function earlierTerminal(
  current: LifecycleFacts['terminal'],
  incoming: NonNullable<LifecycleFacts['terminal']>,
): NonNullable<LifecycleFacts['terminal']> {
  if (!current) return incoming;
  if (incoming.at !== current.at) return incoming.at < current.at ? incoming : current;
  if (incoming.type !== current.type) {
    return TERMINAL_ORDER.indexOf(incoming.type) < TERMINAL_ORDER.indexOf(current.type) ? incoming : current;
  }
  return (incoming.reason ?? '') < (current.reason ?? '') ? incoming : current;
}

function preferredEvidence(current: EvidenceOutcome | undefined, incoming: EvidenceOutcome): EvidenceOutcome {
  if (!current) return incoming;
  if (current.result !== incoming.result) return current.result === 'archived' ? current : incoming;
  // Same result twice: keep the earlier report, then a fixed order, so duplicates fold to one state.
  if (incoming.at !== current.at) return incoming.at < current.at ? incoming : current;
  return JSON.stringify(incoming) < JSON.stringify(current) ? incoming : current;
}

function addUnique(values: string[], value: string): string[] {
  return values.includes(value) ? values : [...values, value].sort();
}

function earliest(current: string | undefined, incoming: string): string {
  return current === undefined || incoming < current ? incoming : current;
}

function latest(values: string[]): string | undefined {
  return values.length === 0 ? undefined : [...values].sort()[values.length - 1];
}

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}
