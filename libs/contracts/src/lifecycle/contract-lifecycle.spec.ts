import type { SignatureLevel } from '@app/domain';
import type { DomainEventDraft, DomainEventType } from '@app/event-bus';
import type { SignatureEventType } from '@app/signature-providers';
import {
  applySignatureEvent,
  createLifecycle,
  releaseHold,
  type LifecycleEvent,
  type LifecycleState,
  type Transition,
  type TransitionOutcome,
} from './contract-lifecycle';
import { CONTRACT_STATUSES, type ContractStatus } from './contract-status';

// Type-only import: the library's entry also loads Nest wiring, which a pure unit test has no use for.
// A Record keyed by the union makes the compiler reject a missing or unknown canonical type.
const CANONICAL: Record<SignatureEventType, true> = {
  sent: true,
  delivered: true,
  delivery_failed: true,
  opened: true,
  signer_signed: true,
  completed: true,
  declined: true,
  expired: true,
  voided: true,
  authentication_failed: true,
  evidence_ready: true,
};
const EVENT_TYPES = Object.keys(CANONICAL) as SignatureEventType[];

const A = 'a@x.test';
const B = 'b@x.test';
const START = Date.parse('2025-03-03T09:00:00.000Z');
const MINUTE = 60_000;

function at(tick: number): Date {
  return new Date(START + tick * MINUTE);
}

function iso(tick: number): string {
  return at(tick).toISOString();
}

function types(effects: DomainEventDraft[]): DomainEventType[] {
  return effects.map((e) => e.type);
}

/** One contract driven event by event; each event happens one minute after the previous one. */
class Contract {
  state: LifecycleState;
  readonly effects: DomainEventDraft[] = [];
  tick = 0;

  constructor(options: { signers?: string[]; requiredLevel?: SignatureLevel } = {}) {
    const created = createLifecycle({
      customerId: 'cus_1',
      signers: (options.signers ?? [A, B]).map((email) => ({ email, name: `Signer ${email.trim()[0]}` })),
      requiredLevel: options.requiredLevel ?? 'advanced',
    });
    this.state = created.state;
    this.effects.push(...created.effects);
  }

  /** The next event in occurrence order; `tick` overrides the instant (a late delivery of an older event). */
  event(
    type: SignatureEventType,
    extra: Pick<LifecycleEvent, 'signer' | 'reason'> = {},
    tick?: number,
  ): LifecycleEvent {
    this.tick += 1;
    return { providerEventId: `evt_${this.tick}`, type, occurredAt: at(tick ?? this.tick), ...extra };
  }

  apply(event: LifecycleEvent): Transition {
    const transition = applySignatureEvent(this.state, event);
    this.state = transition.state;
    this.effects.push(...transition.effects);
    return transition;
  }

  on(type: SignatureEventType, extra: Pick<LifecycleEvent, 'signer' | 'reason'> = {}): Transition {
    return this.apply(this.event(type, extra));
  }

  sign(email: string, level?: SignatureLevel): Transition {
    return this.on('signer_signed', { signer: { email, name: 'Signer', ...(level ? { level } : {}) } });
  }

  then(...events: SignatureEventType[]): this {
    events.forEach((type) => this.on(type));
    return this;
  }

  release(): Transition {
    const transition = releaseHold(this.state);
    this.state = transition.state;
    this.effects.push(...transition.effects);
    return transition;
  }

  signs(email: string, level: SignatureLevel): this {
    this.sign(email, level);
    return this;
  }
}

/** How to reach each status from a fresh two-signer contract requiring an advanced signature. */
const reach: Record<ContractStatus, () => Contract> = {
  draft: () => new Contract(),
  sent: () => new Contract().then('sent'),
  delivery_failed: () => new Contract().then('sent', 'delivery_failed'),
  delivered: () => new Contract().then('sent', 'delivered'),
  opened: () => new Contract().then('sent', 'delivered', 'opened'),
  partially_signed: () => reach.opened().signs(A, 'advanced'),
  signed: () => reach.opened().signs(A, 'advanced').then('completed'),
  active: () => reach.opened().signs(A, 'advanced').signs(B, 'advanced'),
  on_hold: () => reach.opened().signs(A, 'simple').signs(B, 'advanced'),
  declined: () => reach.opened().then('declined'),
  expired: () => reach.opened().then('expired'),
  voided: () => reach.opened().then('voided'),
};

/** The event the table applies for each type: signer_signed is b signing (again, where b already did) at advanced. */
function tableEvent(contract: Contract, type: SignatureEventType): LifecycleEvent {
  if (type === 'signer_signed') return contract.event(type, { signer: { email: B, name: 'B', level: 'advanced' } });
  if (type === 'authentication_failed') return contract.event(type, { signer: { email: B, name: 'B' } });
  return contract.event(type);
}

type Outcome =
  Exclude<TransitionOutcome, 'anomaly'> | `anomaly:${'AFTER_FINAL' | 'CONFLICTING_FINAL' | 'FINAL_AFTER_SIGNED'}`;
type Cell = readonly [ContractStatus, Outcome, readonly DomainEventType[]];

const SENT = 'ContractSent';
const BOUNCED = 'ContractDeliveryFailed';
const AUTH_FAILED = 'SignerAuthenticationFailed';

/** status × event → [status after, outcome, effect types], written out by hand from ARCHITECTURE.md section 5. */
const expected: Record<ContractStatus, Record<SignatureEventType, Cell>> = {
  draft: {
    sent: ['sent', 'advanced', [SENT]],
    delivered: ['delivered', 'advanced', ['ContractDelivered']],
    delivery_failed: ['delivery_failed', 'advanced', [BOUNCED]],
    opened: ['opened', 'advanced', ['ContractOpened']],
    signer_signed: ['partially_signed', 'advanced', ['SignerSigned']],
    completed: ['signed', 'advanced', ['ContractSigned']],
    declined: ['declined', 'advanced', ['ContractDeclined']],
    expired: ['expired', 'advanced', ['ContractExpired']],
    voided: ['voided', 'advanced', ['ContractVoided']],
    authentication_failed: ['draft', 'recorded', [AUTH_FAILED]],
    evidence_ready: ['draft', 'recorded', []],
  },
  sent: {
    sent: ['sent', 'recorded', [SENT]],
    delivered: ['delivered', 'advanced', ['ContractDelivered']],
    delivery_failed: ['delivery_failed', 'advanced', [BOUNCED]],
    opened: ['opened', 'advanced', ['ContractOpened']],
    signer_signed: ['partially_signed', 'advanced', ['SignerSigned']],
    completed: ['signed', 'advanced', ['ContractSigned']],
    declined: ['declined', 'advanced', ['ContractDeclined']],
    expired: ['expired', 'advanced', ['ContractExpired']],
    voided: ['voided', 'advanced', ['ContractVoided']],
    authentication_failed: ['sent', 'recorded', [AUTH_FAILED]],
    evidence_ready: ['sent', 'recorded', []],
  },
  delivery_failed: {
    sent: ['sent', 'advanced', [SENT]],
    delivered: ['delivered', 'advanced', ['ContractDelivered']],
    delivery_failed: ['delivery_failed', 'recorded', [BOUNCED]],
    opened: ['opened', 'advanced', ['ContractOpened']],
    signer_signed: ['partially_signed', 'advanced', ['SignerSigned']],
    completed: ['signed', 'advanced', ['ContractSigned']],
    declined: ['declined', 'advanced', ['ContractDeclined']],
    expired: ['expired', 'advanced', ['ContractExpired']],
    voided: ['voided', 'advanced', ['ContractVoided']],
    authentication_failed: ['delivery_failed', 'recorded', [AUTH_FAILED]],
    evidence_ready: ['delivery_failed', 'recorded', []],
  },
  delivered: {
    sent: ['delivered', 'recorded', [SENT]],
    delivered: ['delivered', 'duplicate', []],
    delivery_failed: ['delivered', 'recorded', [BOUNCED]],
    opened: ['opened', 'advanced', ['ContractOpened']],
    signer_signed: ['partially_signed', 'advanced', ['SignerSigned']],
    completed: ['signed', 'advanced', ['ContractSigned']],
    declined: ['declined', 'advanced', ['ContractDeclined']],
    expired: ['expired', 'advanced', ['ContractExpired']],
    voided: ['voided', 'advanced', ['ContractVoided']],
    authentication_failed: ['delivered', 'recorded', [AUTH_FAILED]],
    evidence_ready: ['delivered', 'recorded', []],
  },
  opened: {
    sent: ['opened', 'recorded', [SENT]],
    delivered: ['opened', 'duplicate', []],
    delivery_failed: ['opened', 'recorded', [BOUNCED]],
    opened: ['opened', 'duplicate', []],
    signer_signed: ['partially_signed', 'advanced', ['SignerSigned']],
    completed: ['signed', 'advanced', ['ContractSigned']],
    declined: ['declined', 'advanced', ['ContractDeclined']],
    expired: ['expired', 'advanced', ['ContractExpired']],
    voided: ['voided', 'advanced', ['ContractVoided']],
    authentication_failed: ['opened', 'recorded', [AUTH_FAILED]],
    evidence_ready: ['opened', 'recorded', []],
  },
  partially_signed: {
    sent: ['partially_signed', 'recorded', [SENT]],
    delivered: ['partially_signed', 'duplicate', []],
    delivery_failed: ['partially_signed', 'recorded', [BOUNCED]],
    opened: ['partially_signed', 'duplicate', []],
    signer_signed: ['active', 'advanced', ['SignerSigned', 'ContractSigned', 'ContractActivated']],
    completed: ['signed', 'advanced', ['ContractSigned']],
    declined: ['declined', 'advanced', ['ContractDeclined']],
    expired: ['expired', 'advanced', ['ContractExpired']],
    voided: ['voided', 'advanced', ['ContractVoided']],
    authentication_failed: ['partially_signed', 'recorded', [AUTH_FAILED]],
    evidence_ready: ['partially_signed', 'recorded', []],
  },
  signed: {
    sent: ['signed', 'recorded', [SENT]],
    delivered: ['signed', 'duplicate', []],
    delivery_failed: ['signed', 'recorded', [BOUNCED]],
    opened: ['signed', 'duplicate', []],
    signer_signed: ['active', 'advanced', ['SignerSigned', 'ContractActivated']],
    completed: ['signed', 'duplicate', []],
    declined: ['signed', 'anomaly:FINAL_AFTER_SIGNED', []],
    expired: ['signed', 'anomaly:FINAL_AFTER_SIGNED', []],
    voided: ['signed', 'anomaly:FINAL_AFTER_SIGNED', []],
    authentication_failed: ['signed', 'recorded', [AUTH_FAILED]],
    evidence_ready: ['signed', 'recorded', []],
  },
  active: {
    sent: ['active', 'recorded', [SENT]],
    delivered: ['active', 'duplicate', []],
    delivery_failed: ['active', 'recorded', [BOUNCED]],
    opened: ['active', 'duplicate', []],
    signer_signed: ['active', 'duplicate', []],
    completed: ['active', 'recorded', []],
    declined: ['active', 'anomaly:FINAL_AFTER_SIGNED', []],
    expired: ['active', 'anomaly:FINAL_AFTER_SIGNED', []],
    voided: ['active', 'anomaly:FINAL_AFTER_SIGNED', []],
    authentication_failed: ['active', 'recorded', [AUTH_FAILED]],
    evidence_ready: ['active', 'recorded', []],
  },
  on_hold: {
    sent: ['on_hold', 'recorded', [SENT]],
    delivered: ['on_hold', 'duplicate', []],
    delivery_failed: ['on_hold', 'recorded', [BOUNCED]],
    opened: ['on_hold', 'duplicate', []],
    signer_signed: ['on_hold', 'duplicate', []],
    completed: ['on_hold', 'recorded', []],
    declined: ['on_hold', 'anomaly:FINAL_AFTER_SIGNED', []],
    expired: ['on_hold', 'anomaly:FINAL_AFTER_SIGNED', []],
    voided: ['on_hold', 'anomaly:FINAL_AFTER_SIGNED', []],
    authentication_failed: ['on_hold', 'recorded', [AUTH_FAILED]],
    evidence_ready: ['on_hold', 'recorded', []],
  },
  declined: {
    sent: ['declined', 'anomaly:AFTER_FINAL', [SENT]],
    delivered: ['declined', 'anomaly:AFTER_FINAL', []],
    delivery_failed: ['declined', 'anomaly:AFTER_FINAL', [BOUNCED]],
    opened: ['declined', 'anomaly:AFTER_FINAL', []],
    signer_signed: ['declined', 'anomaly:AFTER_FINAL', []],
    completed: ['declined', 'anomaly:AFTER_FINAL', []],
    declined: ['declined', 'duplicate', []],
    expired: ['declined', 'anomaly:CONFLICTING_FINAL', []],
    voided: ['declined', 'anomaly:CONFLICTING_FINAL', []],
    authentication_failed: ['declined', 'anomaly:AFTER_FINAL', [AUTH_FAILED]],
    evidence_ready: ['declined', 'recorded', []],
  },
  expired: {
    sent: ['expired', 'anomaly:AFTER_FINAL', [SENT]],
    delivered: ['expired', 'anomaly:AFTER_FINAL', []],
    delivery_failed: ['expired', 'anomaly:AFTER_FINAL', [BOUNCED]],
    opened: ['expired', 'anomaly:AFTER_FINAL', []],
    signer_signed: ['expired', 'anomaly:AFTER_FINAL', []],
    completed: ['expired', 'anomaly:AFTER_FINAL', []],
    declined: ['expired', 'anomaly:CONFLICTING_FINAL', []],
    expired: ['expired', 'duplicate', []],
    voided: ['expired', 'anomaly:CONFLICTING_FINAL', []],
    authentication_failed: ['expired', 'anomaly:AFTER_FINAL', [AUTH_FAILED]],
    evidence_ready: ['expired', 'recorded', []],
  },
  voided: {
    sent: ['voided', 'anomaly:AFTER_FINAL', [SENT]],
    delivered: ['voided', 'anomaly:AFTER_FINAL', []],
    delivery_failed: ['voided', 'anomaly:AFTER_FINAL', [BOUNCED]],
    opened: ['voided', 'anomaly:AFTER_FINAL', []],
    signer_signed: ['voided', 'anomaly:AFTER_FINAL', []],
    completed: ['voided', 'anomaly:AFTER_FINAL', []],
    declined: ['voided', 'anomaly:CONFLICTING_FINAL', []],
    expired: ['voided', 'anomaly:CONFLICTING_FINAL', []],
    voided: ['voided', 'duplicate', []],
    authentication_failed: ['voided', 'anomaly:AFTER_FINAL', [AUTH_FAILED]],
    evidence_ready: ['voided', 'recorded', []],
  },
};

function outcomeOf(transition: Transition): Outcome {
  if (transition.outcome !== 'anomaly') return transition.outcome;
  return `anomaly:${transition.anomaly}` as Outcome;
}

describe('contract lifecycle: every (status, event) pair', () => {
  it.each(CONTRACT_STATUSES.map((status) => [status]))('the helper for %s reaches it', (status) => {
    expect(reach[status]().state.status).toBe(status);
  });

  const pairs = CONTRACT_STATUSES.flatMap((status) => EVENT_TYPES.map((type) => [status, type] as const));

  it.each(pairs)('%s + %s', (status, type) => {
    const contract = reach[status]();
    const before = contract.state;
    const event = tableEvent(contract, type);

    const transition = contract.apply(event);

    const [after, outcome, effects] = expected[status][type];
    expect([transition.state.status, outcomeOf(transition), types(transition.effects)]).toEqual([
      after,
      outcome,
      effects,
    ]);
    // 'recorded' means the event taught the state something; 'duplicate' that it taught nothing.
    if (outcome === 'duplicate') expect(transition.state).toEqual(before);
    if (outcome === 'recorded' || outcome === 'advanced') expect(transition.state).not.toEqual(before);
  });
});

describe('contract lifecycle: explicit cases', () => {
  it('starts in draft, or sent when created with the instant it was sent', () => {
    expect(new Contract().state.status).toBe('draft');
    const created = createLifecycle({
      customerId: 'cus_1',
      signers: [{ email: A, name: 'A' }],
      requiredLevel: 'simple',
      sentAt: at(0),
    });
    expect(created.state.status).toBe('sent');
    expect(created.outcome).toBe('advanced');
    expect(created.effects).toEqual([{ type: 'ContractSent', data: { at: iso(0) } }]);
  });

  describe('forward only', () => {
    it('records a late opened after signed but does not move the status', () => {
      const contract = new Contract().then('sent', 'delivered').signs(A, 'advanced').then('completed');
      expect(contract.state.status).toBe('signed');

      // Opened happened before the signature; the platform delivered it last.
      const late = contract.apply(contract.event('opened', {}, 2.5));

      expect(late.state.status).toBe('signed');
      expect(late.outcome).toBe('recorded');
      expect(late.state.facts.openedAt).toBe(new Date(START + 2.5 * MINUTE).toISOString());
      expect(late.effects).toEqual([
        { type: 'ContractOpened', data: { at: new Date(START + 2.5 * MINUTE).toISOString() } },
      ]);
    });

    it('records an opened after active but does not move the status', () => {
      const contract = new Contract().then('sent', 'delivered').signs(A, 'advanced').signs(B, 'qualified');
      expect(contract.state.status).toBe('active');

      const late = contract.on('opened');

      expect(late.state.status).toBe('active');
      expect(late.outcome).toBe('recorded');
      expect(late.state.facts.openedAt).toBe(iso(contract.tick));
      expect(types(late.effects)).toEqual(['ContractOpened']);
    });
  });

  it.each([
    ['delivered', (c: Contract) => c.event('delivered')],
    [
      'signer_signed',
      (c: Contract) => c.event('signer_signed', { signer: { email: A, name: 'A', level: 'advanced' } }),
    ],
    ['authentication_failed', (c: Contract) => c.event('authentication_failed', { signer: { email: A, name: 'A' } })],
    ['declined', (c: Contract) => c.event('declined', { reason: 'price' })],
  ] as const)('a redelivered %s is a duplicate with no effects', (_type, make) => {
    const contract = reach.sent();
    const event = make(contract);
    const first = contract.apply(event);
    expect(first.outcome).not.toBe('duplicate');
    expect(first.effects).not.toEqual([]);

    const again = contract.apply({ ...event, occurredAt: new Date(event.occurredAt.getTime()) });

    expect(again.outcome).toBe('duplicate');
    expect(again.effects).toEqual([]);
    expect(again.state).toEqual(first.state);
  });

  it('stays partially signed until every signer has signed', () => {
    const contract = new Contract({ signers: [A, B, 'c@x.test'] }).then('sent', 'delivered', 'opened');

    expect(contract.sign(A, 'advanced').state.status).toBe('partially_signed');
    const second = contract.sign(B, 'qualified');
    expect(second.state.status).toBe('partially_signed');
    expect(second.outcome).toBe('recorded');
    const last = contract.sign('c@x.test', 'advanced');

    expect(last.state.status).toBe('active');
    expect(last.outcome).toBe('advanced');
    expect(contract.state.emitted).toEqual(
      expect.arrayContaining(['SignerSigned:a@x.test', 'SignerSigned:b@x.test', 'SignerSigned:c@x.test']),
    );
  });

  describe('activation gate', () => {
    it('puts the contract on hold when the lowest level is below the required one', () => {
      const contract = reach.opened().signs(A, 'qualified');

      const last = contract.sign(B, 'simple');

      expect(last.state.status).toBe('on_hold');
      expect(last.effects).toEqual([
        { type: 'SignerSigned', data: { email: B, at: iso(contract.tick), level: 'simple' } },
        { type: 'ContractSigned', data: { signers: [A, B] } },
        {
          type: 'ContractPutOnHold',
          data: {
            customerId: 'cus_1',
            reason: 'SIGNATURE.LEVEL_TOO_LOW',
            detail: 'lowest signature level is simple; the contract requires advanced',
          },
        },
      ]);
      expect(types(contract.effects)).not.toContain('ContractActivated');
    });

    it('stays signed while a signer level is unknown (completed before the per-signer events)', () => {
      const contract = reach.opened();

      const completed = contract.on('completed');
      expect(completed.state.status).toBe('signed');
      expect(completed.effects).toEqual([{ type: 'ContractSigned', data: { signers: [A, B] } }]);
      expect(contract.sign(A, 'advanced').state.status).toBe('signed');

      const last = contract.sign(B, 'advanced');

      expect(last.state.status).toBe('active');
      expect(types(last.effects)).toEqual(['SignerSigned', 'ContractActivated']);
    });

    it('stays signed while a signer event carries no level, and activates when the level is reported', () => {
      const contract = reach.opened().signs(A, 'advanced');
      const bare = contract.event('signer_signed', { signer: { email: B, name: 'B' } });

      expect(contract.apply(bare).state.status).toBe('signed');
      const withLevel = contract.apply({
        ...bare,
        providerEventId: 'evt_evidence',
        signer: { email: B, name: 'B', level: 'advanced' },
      });

      expect(withLevel.state.status).toBe('active');
      expect(types(withLevel.effects)).toEqual(['ContractActivated']);
    });

    it('activates once when staff release the hold', () => {
      const contract = reach.on_hold();

      const released = contract.release();

      expect(released.state.status).toBe('active');
      expect(released.outcome).toBe('advanced');
      expect(released.effects).toEqual([{ type: 'ContractActivated', data: { customerId: 'cus_1' } }]);
      const again = contract.release();
      expect(again.outcome).toBe('duplicate');
      expect(again.effects).toEqual([]);
    });

    it('ignores a release when the contract is not on hold, so a later refusal still holds', () => {
      const contract = reach.partially_signed();
      const before = contract.state;

      const early = contract.release();

      expect(early).toEqual({ state: before, effects: [], outcome: 'duplicate' });
      const refused = contract.sign(B, 'simple');
      expect(refused.state.status).toBe('on_hold');
    });
  });

  it('reports an unknown signer as an anomaly and leaves the state alone', () => {
    const contract = reach.partially_signed();
    const before = contract.state;

    const unknown = contract.sign('mallory@x.test', 'qualified');

    expect(unknown.outcome).toBe('anomaly');
    expect(unknown.anomaly).toBe('SIGNER_UNKNOWN');
    expect(unknown.effects).toEqual([]);
    expect(unknown.state).toBe(before);
  });

  it('keeps the first final event when a conflicting one follows', () => {
    const contract = reach.opened();
    const declined = contract.on('declined', { reason: 'price' });
    expect(declined.effects).toEqual([{ type: 'ContractDeclined', data: { at: iso(contract.tick), reason: 'price' } }]);

    const voided = contract.on('voided');

    expect(voided.outcome).toBe('anomaly');
    expect(voided.anomaly).toBe('CONFLICTING_FINAL');
    expect(voided.state.status).toBe('declined');
    expect(voided.state.facts.terminal).toEqual({ type: 'declined', at: iso(contract.tick - 1), reason: 'price' });
    expect(voided.effects).toEqual([]);
  });

  it('goes back to sent when the envelope is re-sent after a bounce', () => {
    const contract = new Contract().then('sent');

    const bounce = contract.on('delivery_failed');
    expect(bounce.state.status).toBe('delivery_failed');
    expect(bounce.effects).toEqual([{ type: 'ContractDeliveryFailed', data: { at: iso(2) } }]);
    const resend = contract.on('sent');

    expect(resend.state.status).toBe('sent');
    expect(resend.outcome).toBe('advanced');
    expect(resend.effects).toEqual([{ type: 'ContractSent', data: { at: iso(3) } }]);
    expect(resend.state.facts.sends).toEqual([iso(1), iso(3)]);
    // The first bounce, delivered late, is older than the re-send: still sent.
    expect(contract.apply({ ...contract.event('delivery_failed'), occurredAt: at(2) }).state.status).toBe('sent');
  });

  it('does not count signatures dated after a decline', () => {
    const contract = reach.opened().signs(A, 'advanced').then('declined');

    const late = contract.sign(B, 'advanced');

    expect(late.outcome).toBe('anomaly');
    expect(late.anomaly).toBe('AFTER_FINAL');
    expect(late.state.status).toBe('declined');
    expect(late.effects).toEqual([]);
    expect(late.state.emitted).not.toContain('SignerSigned:b@x.test');
    expect(types(contract.effects)).not.toContain('ContractActivated');
  });

  it('emits exactly one ContractActivated over a whole messy history', () => {
    const contract = reach.opened().signs(A, 'simple');
    const b = contract.event('signer_signed', { signer: { email: B, name: 'B', level: 'advanced' } });
    contract.apply(b);
    expect(contract.state.status).toBe('on_hold');
    contract.apply(b);
    expect(contract.release().outcome).toBe('advanced');
    contract.then('completed', 'evidence_ready', 'opened', 'declined', 'completed');
    contract.apply(b);
    contract.sign(A, 'qualified');
    expect(contract.release().outcome).toBe('duplicate');

    expect(contract.state.status).toBe('active');
    expect(contract.effects.filter((e) => e.type === 'ContractActivated')).toEqual([
      { type: 'ContractActivated', data: { customerId: 'cus_1' } },
    ]);
  });

  it('orders the effects of one transition: SignerSigned, then ContractSigned, then ContractActivated', () => {
    const contract = new Contract({ signers: [A], requiredLevel: 'simple' }).then('sent');

    const signed = contract.sign(A, 'simple');

    expect(signed.effects).toEqual([
      { type: 'SignerSigned', data: { email: A, at: iso(2), level: 'simple' } },
      { type: 'ContractSigned', data: { signers: [A] } },
      { type: 'ContractActivated', data: { customerId: 'cus_1' } },
    ]);
  });

  it('normalises e-mails (case and surrounding spaces) on signers and events', () => {
    const contract = new Contract({ signers: ['  A@X.Test ', 'b@x.test'] }).then('sent');
    expect(contract.state.signers.map((s) => s.email)).toEqual([A, B]);

    const failed = contract.on('authentication_failed', { signer: { email: ' B@X.TEST\t' } });
    const signed = contract.sign('a@X.test  ', 'advanced');

    expect(failed.state.facts.authenticationFailures).toEqual([{ eventId: 'evt_2', email: B, at: iso(2) }]);
    expect(signed.outcome).toBe('advanced');
    expect(signed.effects).toEqual([{ type: 'SignerSigned', data: { email: A, at: iso(3), level: 'advanced' } }]);
  });
});

it('returns the very same state object for a duplicate, so the caller can skip the write', () => {
  const first = createLifecycle({
    customerId: 'cus_1',
    signers: [{ email: 'a@x.test', name: 'A' }],
    requiredLevel: 'simple',
    sentElsewhere: true,
  });
  const opened = { providerEventId: 'evt_1', type: 'opened' as const, occurredAt: new Date('2026-01-01T00:00:00Z') };
  const once = applySignatureEvent(first.state, opened);
  const twice = applySignatureEvent(once.state, opened);
  expect(once.state).not.toBe(first.state);
  expect(twice.outcome).toBe('duplicate');
  expect(twice.state).toBe(once.state);
});
