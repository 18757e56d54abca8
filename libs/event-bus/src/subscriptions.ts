import type { DomainEventType } from './domain-events';

/**
 * Who reacts to which domain event: the one list the relay reads to fan an event out into jobs.
 * A subscriber name, once shipped, is never renamed (it is part of job ids and receipts). The audit log is not
 * here: it reads every event from the outbox in batches (`DomainEventAuditor` in @app/archive).
 */
export const SUBSCRIPTIONS = {
  'contracts.activate-customer': ['ContractActivated'],
  'webhook-ingestion.apply-parked-events': ['ContractRegistered'],
  'archive.archive-evidence': ['ContractSigned'],
  'contracts.apply-evidence-outcome': ['DocumentsArchived', 'EvidenceRejected'],
  'provisioning.start-runs': ['ContractActivated'],
  'provisioning.reverse-runs': ['ContractVoided', 'CreditNoteIssued'],
  'invoicing.issue-first-invoice': ['ContractActivated'],
  // Invoices and credit notes alike reach the customer by mail.
  'invoicing.send-invoice': ['InvoiceIssued', 'CreditNoteIssued'],
} as const satisfies Record<string, readonly DomainEventType[]>;

export type SubscriberName = keyof typeof SUBSCRIPTIONS;

export const SUBSCRIBER_NAMES = Object.keys(SUBSCRIPTIONS) as SubscriberName[];

export function subscribersOf(type: string): SubscriberName[] {
  return SUBSCRIBER_NAMES.filter((name) => (SUBSCRIPTIONS[name] as readonly string[]).includes(type));
}

export function isSubscriberName(value: string): value is SubscriberName {
  return (SUBSCRIBER_NAMES as string[]).includes(value);
}
