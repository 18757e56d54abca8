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
  /** The signed PDF and the platform's evidence are in the archive, their SHA-256 verified. */
  DocumentsArchived: { signedSha256: string; evidenceSha256: string; signers: number };
  /**
   * The archive could not accept the platform's documents: a hash that does not match, the envelope gone, or no
   * signing time for a signer of the contract long after the platform completed the envelope.
   */
  EvidenceRejected: {
    reason: 'EVIDENCE.HASH_MISMATCH' | 'EVIDENCE.UNAVAILABLE' | 'EVIDENCE.INCOMPLETE';
    detail: string;
  };
  /** Staff released a hold; the justification is kept with the audit entry. */
  ContractHoldReleased: { customerId: string; reason: string; justification: string; actor: string };
  /** A provisioning run's target accepted the action; `resultRef` is what it answered (account id, order number). */
  ServiceProvisioned: { runId: string; action: string; resultRef: string | null };
  /** A provisioning run gave up: a 4xx, attempts exhausted, or no target configured. `kind` says which way it went. */
  ProvisioningFailed: {
    runId: string;
    action: string;
    reason: string;
    statusCode: number | null;
    kind: 'provision' | 'reverse';
  };
  /** A reversal run undid a provisioned action (account disabled, order cancelled). */
  ServiceDeprovisioned: { runId: string; action: string; resultRef: string | null };
  /** A first invoice was issued (numbered and fingerprinted); aggregate: the invoice. No personal data. */
  InvoiceIssued: { invoiceId: string; contractId: string; number: string; totalCents: number; currency: string };
  /** A credit note (rectificativa) was issued against `correctsInvoiceId`; aggregate: the credit note. */
  CreditNoteIssued: {
    invoiceId: string;
    contractId: string;
    number: string;
    correctsInvoiceId: string;
    correctsNumber: string;
    totalCents: number;
    currency: string;
    reason: string;
    /** Nothing of the corrected invoice is left to credit: the provisioning it paid for is reversed. */
    cancelsWholeInvoice: boolean;
  };
  /** The invoice or credit note was mailed to the customer (the Message-ID is `<invoiceId@signbridge>`). */
  InvoiceSent: { invoiceId: string; contractId: string; number: string; messageId: string; transport: 'smtp' | 'eml' };
}

export type DomainEventType = keyof DomainEventPayloads;

/** Every domain event type, checked by the compiler against `DomainEventPayloads` (add one there, add it here). */
export const DOMAIN_EVENT_TYPES = Object.keys({
  ContractRegistered: true,
  ContractSent: true,
  ContractDelivered: true,
  ContractDeliveryFailed: true,
  ContractOpened: true,
  SignerSigned: true,
  SignerAuthenticationFailed: true,
  ContractSigned: true,
  ContractActivated: true,
  ContractPutOnHold: true,
  ContractDeclined: true,
  ContractExpired: true,
  ContractVoided: true,
  CustomerActivated: true,
  DocumentsArchived: true,
  EvidenceRejected: true,
  ContractHoldReleased: true,
  ServiceProvisioned: true,
  ProvisioningFailed: true,
  ServiceDeprovisioned: true,
  InvoiceIssued: true,
  CreditNoteIssued: true,
  InvoiceSent: true,
} satisfies Record<DomainEventType, true>) as readonly DomainEventType[];

/** A domain event before it has an identity: what the pure domain code returns. */
export type DomainEventDraft = { [K in DomainEventType]: { type: K; data: DomainEventPayloads[K] } }[DomainEventType];

export interface DomainEvent<K extends DomainEventType = DomainEventType> {
  id: string;
  type: K;
  aggregateType: 'contract' | 'customer' | 'invoice';
  aggregateId: string;
  occurredAt: string;
  /** The inbound event (or API request) that started the chain. */
  correlationId: string;
  /** The message that directly caused this one. */
  causationId: string;
  data: DomainEventPayloads[K];
}
