import type { SignatureLevel } from '@app/domain';
import type { DomainEventDraft } from '@app/event-bus';
import {
  applyEvidenceOutcome,
  applySignatureEvent,
  createLifecycle,
  evaluateActivationGate,
  releaseHold,
  voidAfterSigning,
  type EvidenceOutcome,
  type LifecycleEvent,
  type LifecycleState,
  type Transition,
} from './contract-lifecycle';

const A = 'a@x.test';
const B = 'b@x.test';
const START = Date.parse('2026-01-05T10:00:00.000Z');

const ARCHIVED: EvidenceOutcome = {
  result: 'archived',
  at: '2026-01-05T10:30:00.000Z',
  signedSha256: 'a'.repeat(64),
  evidenceSha256: 'b'.repeat(64),
};
const MISMATCH: EvidenceOutcome = {
  result: 'failed',
  at: '2026-01-05T10:31:00.000Z',
  reason: 'EVIDENCE.HASH_MISMATCH',
  detail: 'signed PDF: the platform states 00… but the bytes hash to ff…',
};

type Step = { kind: 'event'; event: LifecycleEvent } | { kind: 'evidence'; outcome: EvidenceOutcome };

function signed(email: string, minute: number, level: SignatureLevel = 'advanced'): Step {
  return {
    kind: 'event',
    event: {
      providerEventId: `evt_${email}`,
      type: 'signer_signed',
      occurredAt: new Date(START + minute * 60_000),
      signer: { email, name: email, level },
    },
  };
}

function start(requiredLevel: SignatureLevel = 'advanced', evidenceRequired = true): LifecycleState {
  return createLifecycle({
    customerId: 'cus_1',
    signers: [A, B].map((email) => ({ email, name: email })),
    requiredLevel,
    sentAt: new Date(START),
    evidenceRequired,
  }).state;
}

function run(state: LifecycleState, steps: Step[]): { state: LifecycleState; effects: DomainEventDraft[] } {
  const effects: DomainEventDraft[] = [];
  for (const step of steps) {
    const transition: Transition =
      step.kind === 'event' ? applySignatureEvent(state, step.event) : applyEvidenceOutcome(state, step.outcome);
    state = transition.state;
    effects.push(...transition.effects);
  }
  return { state, effects };
}

const count = (effects: DomainEventDraft[], type: string) => effects.filter((e) => e.type === type).length;

describe('the activation gate with archived evidence', () => {
  it('waits in `signed` until the signed PDF and evidence are archived, then activates once', () => {
    const signedOnly = run(start(), [signed(A, 1), signed(B, 2)]);
    expect(signedOnly.state.status).toBe('signed');
    expect(count(signedOnly.effects, 'ContractSigned')).toBe(1);
    expect(count(signedOnly.effects, 'ContractActivated')).toBe(0);
    expect(evaluateActivationGate(signedOnly.state)).toEqual({ result: 'pending' });

    const archived = run(signedOnly.state, [{ kind: 'evidence', outcome: ARCHIVED }]);
    expect(archived.state.status).toBe('active');
    expect(archived.effects.map((e) => e.type)).toEqual(['ContractActivated']);

    const again = applyEvidenceOutcome(archived.state, ARCHIVED);
    expect(again.outcome).toBe('duplicate');
    expect(again.state).toBe(archived.state);
    expect(again.effects).toEqual([]);
  });

  it('holds on a failed archive with its reason; release with justification activates', () => {
    const held = run(start(), [signed(A, 1), signed(B, 2), { kind: 'evidence', outcome: MISMATCH }]);
    expect(held.state.status).toBe('on_hold');
    expect(evaluateActivationGate(held.state)).toMatchObject({ result: 'fail', reason: 'EVIDENCE.HASH_MISMATCH' });
    expect(held.effects.find((e) => e.type === 'ContractPutOnHold')?.data).toMatchObject({
      reason: 'EVIDENCE.HASH_MISMATCH',
    });

    const released = releaseHold(held.state);
    expect(released.state.status).toBe('active');
    expect(released.state.releasedHolds).toEqual(['EVIDENCE.HASH_MISMATCH']);
    expect(released.effects.map((e) => e.type)).toEqual(['ContractActivated']);
    expect(releaseHold(released.state).outcome).toBe('duplicate');
  });

  it('holds on a failed archive even while a signature has no level yet; released, it waits for that level', () => {
    // The platform completed the envelope, but only A's signature is known (B is never dated, so has no level).
    const completed: Step = {
      kind: 'event',
      event: { providerEventId: 'evt_completed', type: 'completed', occurredAt: new Date(START + 3 * 60_000) },
    };
    const incomplete: EvidenceOutcome = {
      result: 'failed',
      at: '2026-01-05T10:31:00.000Z',
      reason: 'EVIDENCE.INCOMPLETE',
      detail: `no signing time for ${B} in the evidence of contract c1, 86400 s after the contract was signed`,
    };
    const signedOnly = run(start(), [signed(A, 1), completed]);
    expect(signedOnly.state.status).toBe('signed');

    const held = run(signedOnly.state, [{ kind: 'evidence', outcome: incomplete }]);
    expect(held.state.status).toBe('on_hold');
    expect(held.effects.find((e) => e.type === 'ContractPutOnHold')?.data).toMatchObject({
      reason: 'EVIDENCE.INCOMPLETE',
    });
    // Releasing the refusal does not make up B's signature: the contract is signed, not active.
    const released = releaseHold(held.state);
    expect(released.state.status).toBe('signed');
    expect(released.effects.map((e) => e.type)).not.toContain('ContractActivated');
  });

  it('checks the level first; releasing a low level still waits for the evidence', () => {
    const low = run(start('advanced'), [signed(A, 1, 'simple'), signed(B, 2)]);
    expect(low.state.status).toBe('on_hold');
    expect(evaluateActivationGate(low.state)).toMatchObject({ result: 'fail', reason: 'SIGNATURE.LEVEL_TOO_LOW' });

    const released = releaseHold(low.state);
    expect(released.state.status).toBe('signed');
    expect(released.effects).toEqual([]);
    // A refusal that was not released holds again.
    const mismatch = applyEvidenceOutcome(released.state, MISMATCH);
    expect(mismatch.state.status).toBe('on_hold');
    expect(applyEvidenceOutcome(released.state, ARCHIVED).state.status).toBe('active');
  });

  it('a successful archive wins over a failed report, in either order', () => {
    const signatures = [signed(A, 1), signed(B, 2)];
    const failedFirst = run(start(), [
      ...signatures,
      { kind: 'evidence', outcome: MISMATCH },
      { kind: 'evidence', outcome: ARCHIVED },
    ]);
    const archivedFirst = run(start(), [
      ...signatures,
      { kind: 'evidence', outcome: ARCHIVED },
      { kind: 'evidence', outcome: MISMATCH },
    ]);
    expect(failedFirst.state.status).toBe('active');
    expect(archivedFirst.state.status).toBe('active');
    expect(failedFirst.state.facts.evidence).toEqual(ARCHIVED);
    expect(archivedFirst.state.facts.evidence).toEqual(ARCHIVED);
    expect(count(failedFirst.effects, 'ContractActivated')).toBe(1);
    expect(count(archivedFirst.effects, 'ContractActivated')).toBe(1);
  });

  it('converges whatever the order of signatures and archive report', () => {
    const steps: Step[] = [signed(A, 1), signed(B, 2), { kind: 'evidence', outcome: ARCHIVED }];
    const orders = [
      [0, 1, 2],
      [0, 2, 1],
      [1, 0, 2],
      [1, 2, 0],
      [2, 0, 1],
      [2, 1, 0],
    ];
    const outcomes = orders.map((order) =>
      run(
        start(),
        order.map((i) => steps[i]),
      ),
    );
    for (const outcome of outcomes) {
      expect(outcome.state).toEqual(outcomes[0].state);
      expect(outcome.state.status).toBe('active');
      expect(count(outcome.effects, 'ContractActivated')).toBe(1);
    }
  });

  it('does not wait for evidence a provider cannot serve', () => {
    expect(run(start('advanced', false), [signed(A, 1), signed(B, 2)]).state.status).toBe('active');
  });

  it('keeps the signer evidence the platform reported', () => {
    const state = start();
    const event: LifecycleEvent = {
      providerEventId: 'evt_otp',
      type: 'signer_signed',
      occurredAt: new Date(START + 60_000),
      signer: {
        email: A,
        name: 'A',
        level: 'advanced',
        ip: '198.51.100.4',
        authMethod: 'email_otp',
        otpVerified: true,
      },
    };
    expect(applySignatureEvent(state, event).state.signers[0].signature).toEqual({
      at: '2026-01-05T10:01:00.000Z',
      level: 'advanced',
      ip: '198.51.100.4',
      authMethod: 'email_otp',
      otpVerified: true,
    });
  });
});

describe('voiding after every signature (the ERP ends a contract the platform completed)', () => {
  const VOID_AT = new Date('2026-02-01T09:00:00.000Z');

  it('turns an active contract `voided` for good, with ContractVoided once', () => {
    const active = run(start(), [signed(A, 1), signed(B, 2), { kind: 'evidence', outcome: ARCHIVED }]).state;
    const voided = voidAfterSigning(active, { at: VOID_AT, reason: 'Customer withdrew' });
    expect(voided.state.status).toBe('voided');
    expect(voided.effects).toEqual([
      { type: 'ContractVoided', data: { at: VOID_AT.toISOString(), reason: 'Customer withdrew' } },
    ]);

    const again = voidAfterSigning(voided.state, { at: new Date(VOID_AT.getTime() + 60_000) });
    expect(again.outcome).toBe('duplicate');
    expect(again.state).toBe(voided.state);
    // Late or repeated platform events change nothing: still voided, nothing emitted again.
    const late = run(voided.state, [signed(A, 1), { kind: 'evidence', outcome: ARCHIVED }]);
    expect(late.state.status).toBe('voided');
    expect(late.effects).toEqual([]);
  });

  it('voids a signed contract still waiting for its evidence, and one on hold; it never activates afterwards', () => {
    const waiting = run(start(), [signed(A, 1), signed(B, 2)]).state;
    const voided = voidAfterSigning(waiting, { at: VOID_AT });
    expect(voided.state.status).toBe('voided');
    const archivedLater = applyEvidenceOutcome(voided.state, ARCHIVED);
    expect(archivedLater.state.status).toBe('voided');
    expect(archivedLater.effects).toEqual([]);

    const held = run(start(), [signed(A, 1), signed(B, 2), { kind: 'evidence', outcome: MISMATCH }]).state;
    expect(voidAfterSigning(held, { at: VOID_AT }).state.status).toBe('voided');
  });

  it('leaves a contract not yet signed by everyone alone: that void goes through the platform', () => {
    const partly = run(start(), [signed(A, 1)]).state;
    const transition = voidAfterSigning(partly, { at: VOID_AT });
    expect(transition.outcome).toBe('duplicate');
    expect(transition.state).toBe(partly);
  });
});
