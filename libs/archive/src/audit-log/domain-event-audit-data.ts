import type { DomainEvent, DomainEventPayloads, DomainEventType } from '@app/event-bus';

/** A domain event's payload split into what the chain may hold forever and what retention may erase. */
export interface AuditDataSplit {
  data: Record<string, unknown>;
  personal?: Record<string, unknown>;
}

type Splitters = { [K in DomainEventType]: (payload: DomainEventPayloads[K]) => AuditDataSplit };

const whole = (payload: object): AuditDataSplit => ({ data: { ...payload } });

/**
 * Which fields of each event are personal data: e-mail addresses, and free text written by a signer or a
 * mail server (a decline reason, a bounce message, which quote addresses and names). A `Record` over every
 * event type, so a new event does not compile until someone has decided what in it is personal.
 */
const SPLITTERS: Splitters = {
  ContractRegistered: whole,
  ContractSent: whole,
  ContractDelivered: whole,
  ContractDeliveryFailed: ({ reason, ...rest }) => withPersonal(rest, { reason }),
  ContractOpened: whole,
  SignerSigned: ({ email, ...rest }) => withPersonal(rest, { email }),
  SignerAuthenticationFailed: ({ email, ...rest }) => withPersonal(rest, { email }),
  ContractSigned: ({ signers, ...rest }) => withPersonal({ ...rest, signerCount: signers.length }, { signers }),
  ContractActivated: whole,
  ContractPutOnHold: whole,
  ContractDeclined: ({ reason, ...rest }) => withPersonal(rest, { reason }),
  ContractExpired: whole,
  ContractVoided: whole,
  CustomerActivated: whole,
  DocumentsArchived: whole,
  EvidenceRejected: whole,
  // Written by a person, so it may name people; the reason and the actor stay in the chain.
  ContractHoldReleased: ({ justification, ...rest }) => withPersonal(rest, { justification }),
  // Ids and codes only: the target's answer (which may name the customer) stays in provisioning_orders.
  ServiceProvisioned: whole,
  ProvisioningFailed: whole,
  ServiceDeprovisioned: whole,
  // Numbers, ids and totals only: the buyer's name, tax id and e-mail stay in the invoice row.
  InvoiceIssued: whole,
  // Free text written by an ERP user, which may name people.
  CreditNoteIssued: ({ reason, ...rest }) => withPersonal(rest, { reason }),
  InvoiceSent: whole,
};

function withPersonal(data: Record<string, unknown>, personal: Record<string, unknown>): AuditDataSplit {
  const present = Object.fromEntries(Object.entries(personal).filter(([, v]) => v !== undefined));
  return Object.keys(present).length === 0 ? { data } : { data, personal: present };
}

export function splitEventPayload(event: DomainEvent): AuditDataSplit {
  const split = SPLITTERS[event.type] as ((payload: DomainEvent['data']) => AuditDataSplit) | undefined;
  // A type this build does not know: written by a newer build during a rolling deploy. Nothing is known of what its
  // payload holds, so all of it is kept as personal data (erasable) rather than hashed into the chain for ever; and
  // the log goes on instead of failing at this row until a newer process comes by.
  if (!split) return withPersonal({}, { ...event.data });
  return split(event.data);
}
