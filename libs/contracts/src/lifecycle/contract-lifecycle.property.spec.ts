import { signatureLevelRank, type SignatureLevel } from '@app/domain';
import type { DomainEventDraft } from '@app/event-bus';
import * as fc from 'fast-check';
import {
  applySignatureEvent,
  createLifecycle,
  type LifecycleEvent,
  type LifecycleState,
  type TerminalType,
} from './contract-lifecycle';
import type { ContractStatus } from './contract-status';

/**
 * Invariant 5 (ARCHITECTURE.md section 8): any permutation and duplication of one contract's events converges
 * to the same state and the same side effects. Histories are ones a real platform could produce.
 */

const LEVELS: SignatureLevel[] = ['simple', 'advanced', 'qualified'];
const EMAILS = ['ana@x.test', 'ben@x.test', 'chloe@x.test', 'dev@x.test'];
const START = Date.parse('2025-03-03T09:00:00.000Z');
/** Enough instants and sort keys for the longest history the generator builds (21 events). */
const MAX_EVENTS = 24;

interface Scenario {
  signerCount: number;
  requiredLevel: SignatureLevel;
  withSentAt: boolean;
  bounces: number;
  /** The order signers sign in (a permutation of 0..3; indices past signerCount are dropped). */
  signOrder: number[];
  levels: SignatureLevel[];
  /** Failed authentications before each signature, by position in signOrder. */
  authFailures: number[];
  ending:
    | { kind: 'completed'; evidence: boolean }
    | { kind: 'closed'; signedCount: number; terminal: TerminalType; reason: string | null; authFailures: number };
  /** How each event spells the signer's e-mail (platforms are not consistent about case and spaces). */
  spellings: number[];
  /** Milliseconds between consecutive events, each at least 1 so occurredAt strictly increases. */
  gaps: number[];
}

const scenarioArb: fc.Arbitrary<Scenario> = fc.record({
  signerCount: fc.integer({ min: 1, max: 4 }),
  requiredLevel: fc.constantFrom(...LEVELS),
  withSentAt: fc.boolean(),
  bounces: fc.integer({ min: 0, max: 2 }),
  signOrder: fc.shuffledSubarray([0, 1, 2, 3], { minLength: 4, maxLength: 4 }),
  levels: fc.array(fc.constantFrom(...LEVELS), { minLength: 4, maxLength: 4 }),
  authFailures: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 4, maxLength: 4 }),
  ending: fc.oneof(
    fc.record({ kind: fc.constant('completed' as const), evidence: fc.boolean() }),
    fc.record({
      kind: fc.constant('closed' as const),
      signedCount: fc.integer({ min: 0, max: 3 }),
      terminal: fc.constantFrom<TerminalType>('declined', 'expired', 'voided'),
      reason: fc.option(fc.constantFrom('price too high', 'wrong signer'), { nil: null }),
      authFailures: fc.integer({ min: 0, max: 1 }),
    }),
  ),
  spellings: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: MAX_EVENTS, maxLength: MAX_EVENTS }),
  gaps: fc.array(fc.integer({ min: 1, max: 6 * 3_600_000 }), { minLength: MAX_EVENTS, maxLength: MAX_EVENTS }),
});

interface History {
  contract: Parameters<typeof createLifecycle>[0];
  events: LifecycleEvent[];
  expectedStatus: ContractStatus;
  /** Every instant the envelope went out, in order. */
  sendInstants: string[];
}

function spell(email: string, spelling: number): string {
  if (spelling === 1) return email.toUpperCase();
  if (spelling === 2) return ` ${email[0].toUpperCase()}${email.slice(1)}\t`;
  return email;
}

function buildHistory(s: Scenario): History {
  const emails = EMAILS.slice(0, s.signerCount);
  const order = s.signOrder.filter((i) => i < s.signerCount);
  const steps: Pick<LifecycleEvent, 'type' | 'signer' | 'reason'>[] = [{ type: 'sent' }];
  for (let i = 0; i < s.bounces; i += 1) steps.push({ type: 'delivery_failed' }, { type: 'sent' });
  steps.push({ type: 'delivered' }, { type: 'opened' });
  const signing =
    s.ending.kind === 'completed' ? order : order.slice(0, Math.min(s.ending.signedCount, order.length - 1));
  signing.forEach((signer, position) => {
    const email = emails[signer];
    for (let k = 0; k < s.authFailures[position]; k += 1) {
      steps.push({ type: 'authentication_failed', signer: { email, authMethod: 'sms' } });
    }
    const level = s.levels[signer];
    steps.push({ type: 'signer_signed', signer: { email, name: `Signer ${signer}`, level, ip: `10.0.0.${signer}` } });
  });
  let expectedStatus: ContractStatus;
  if (s.ending.kind === 'completed') {
    steps.push({ type: 'completed' });
    if (s.ending.evidence) steps.push({ type: 'evidence_ready' });
    const lowest = Math.min(...order.map((i) => signatureLevelRank(s.levels[i])));
    expectedStatus = lowest >= signatureLevelRank(s.requiredLevel) ? 'active' : 'on_hold';
  } else {
    const decider = emails[order[signing.length]];
    for (let k = 0; k < s.ending.authFailures; k += 1) {
      steps.push({ type: 'authentication_failed', signer: { email: decider } });
    }
    steps.push({ type: s.ending.terminal, ...(s.ending.reason === null ? {} : { reason: s.ending.reason }) });
    expectedStatus = s.ending.terminal;
  }

  let clock = START;
  const events = steps.map((step, i): LifecycleEvent => {
    clock += s.gaps[i];
    const signer = step.signer ? { ...step.signer, email: spell(step.signer.email, s.spellings[i]) } : undefined;
    return {
      ...step,
      ...(signer ? { signer } : {}),
      providerEventId: `msg_${(i * 7919).toString(36)}`,
      occurredAt: new Date(clock),
    };
  });
  const sendInstants = events.filter((e) => e.type === 'sent').map((e) => e.occurredAt.toISOString());
  return {
    contract: {
      customerId: 'cus_prop',
      signers: emails.map((email, i) => ({
        email: spell(email, s.spellings[MAX_EVENTS - 1 - i]),
        name: `Signer ${i}`,
      })),
      requiredLevel: s.requiredLevel,
      // We sent the envelope through the platform's API a moment before its own `sent` event.
      ...(s.withSentAt ? { sentAt: new Date(START) } : {}),
    },
    events,
    expectedStatus,
    sendInstants: s.withSentAt ? [new Date(START).toISOString(), ...sendInstants] : sendInstants,
  };
}

interface Arrival {
  keys: number[];
  duplicates: { source: number; position: number }[];
}

const arrivalArb: fc.Arbitrary<Arrival> = fc.record({
  keys: fc.array(fc.nat({ max: 1000 }), { minLength: MAX_EVENTS, maxLength: MAX_EVENTS }),
  duplicates: fc.array(fc.record({ source: fc.nat(), position: fc.nat() }), { maxLength: 10 }),
});

/** A redelivery is parsed afresh: equal values, new objects. */
function redeliver(event: LifecycleEvent): LifecycleEvent {
  return {
    ...event,
    occurredAt: new Date(event.occurredAt.getTime()),
    ...(event.signer ? { signer: { ...event.signer } } : {}),
  };
}

/** A full permutation of the history (every event arrives) with redeliveries inserted anywhere. */
function arrive(events: LifecycleEvent[], arrival: Arrival): LifecycleEvent[] {
  const order = events.map((_, i) => i).sort((x, y) => arrival.keys[x] - arrival.keys[y] || x - y);
  const out = order.map((i) => events[i]);
  for (const { source, position } of arrival.duplicates) {
    out.splice(position % (out.length + 1), 0, redeliver(events[source % events.length]));
  }
  return out;
}

interface Run {
  state: LifecycleState;
  effects: DomainEventDraft[];
  /** Provider event ids that taught the state something: the timeline. */
  timeline: Set<string>;
}

function run(history: History, events: LifecycleEvent[]): Run {
  const created = createLifecycle(history.contract);
  let state = created.state;
  const effects = [...created.effects];
  const timeline = new Set<string>();
  for (const event of events) {
    const transition = applySignatureEvent(state, event);
    // Nothing a real platform sends, in any order, is an impossible transition.
    expect(transition.outcome).not.toBe('anomaly');
    if (timeline.has(event.providerEventId)) {
      expect(transition.outcome).toBe('duplicate');
      expect(transition.effects).toEqual([]);
      expect(transition.state).toEqual(state);
    } else {
      expect(transition.outcome).not.toBe('duplicate');
      timeline.add(event.providerEventId);
    }
    state = transition.state;
    effects.push(...transition.effects);
  }
  return { state, effects, timeline };
}

/** JSON with sorted keys, so two equal effects compare equal whatever order their fields were built in. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

function effectMultiset(effects: DomainEventDraft[]): string[] {
  return effects.map(canonical).sort();
}

function count(effects: DomainEventDraft[], type: DomainEventDraft['type']): number {
  return effects.filter((e) => e.type === type).length;
}

describe('contract lifecycle: convergence (invariant 5)', () => {
  it('any permutation with redeliveries ends in the state and effects of the ordered history', () => {
    fc.assert(
      fc.property(scenarioArb, arrivalArb, (scenario, arrival) => {
        const history = buildHistory(scenario);
        const ordered = run(history, history.events);
        const shuffled = run(history, arrive(history.events, arrival));

        expect(ordered.state.status).toBe(history.expectedStatus);
        expect(shuffled.state.status).toBe(history.expectedStatus);
        expect(shuffled.state).toEqual(ordered.state);
        expect(effectMultiset(shuffled.effects)).toEqual(effectMultiset(ordered.effects));
        expect([...shuffled.timeline].sort()).toEqual([...ordered.timeline].sort());
        expect([...ordered.timeline].sort()).toEqual(history.events.map((e) => e.providerEventId).sort());

        for (const { effects } of [ordered, shuffled]) {
          expect(new Set(effectMultiset(effects)).size).toBe(effects.length);
          expect(count(effects, 'ContractActivated')).toBe(history.expectedStatus === 'active' ? 1 : 0);
          expect(count(effects, 'ContractPutOnHold')).toBe(history.expectedStatus === 'on_hold' ? 1 : 0);
          expect(count(effects, 'ContractSigned')).toBe(scenario.ending.kind === 'completed' ? 1 : 0);
          expect(effects.filter((e) => e.type === 'ContractSent').map((e) => e.data.at)).toEqual(
            expect.arrayContaining(history.sendInstants),
          );
          expect(count(effects, 'ContractSent')).toBe(history.sendInstants.length);
          expect(count(effects, 'ContractDeliveryFailed')).toBe(scenario.bounces);
          expect(count(effects, 'SignerSigned')).toBe(history.events.filter((e) => e.type === 'signer_signed').length);
        }
      }),
      { numRuns: 400 },
    );
  });
});
