/**
 * Domain events: past tense, what happened to an aggregate. Their names and payloads are a contract with
 * every subscriber (and, through the outbound webhooks, with the ERP): add fields, never rename them.
 */
export interface DomainEventPayloads {
  ContractRegistered: { customerId: string; provider: string; envelopeId: string };
  ContractSent: { at: string };
  ContractDelivered: { at: string };
  ContractDeliveryFailed: { at: string; reason?: string };
  ContractOpened: { at: string };
  SignerSigned: { email: string; at: string; level?: string };
  SignerAuthenticationFailed: { email?: string; at: string };
  ContractSigned: { signers: string[] };
  ContractActivated: { customerId: string };
  ContractPutOnHold: { customerId: string; reason: string; detail: string };
  ContractDeclined: { at: string; reason?: string };
  ContractExpired: { at: string; reason?: string };
  ContractVoided: { at: string; reason?: string };
  CustomerActivated: { contractId: string };
}

export type DomainEventType = keyof DomainEventPayloads;

/** A domain event before it has an identity: what the pure domain code returns. */
export type DomainEventDraft = { [K in DomainEventType]: { type: K; data: DomainEventPayloads[K] } }[DomainEventType];

export interface DomainEvent<K extends DomainEventType = DomainEventType> {
  id: string;
  type: K;
  aggregateType: 'contract' | 'customer';
  aggregateId: string;
  occurredAt: string;
  /** The inbound event (or API request) that started the chain. */
  correlationId: string;
  /** The message that directly caused this one. */
  causationId: string;
  data: DomainEventPayloads[K];
}
