/**
 * The one typed list of jobs. A name, once shipped, is never renamed: jobs in flight would be stranded.
 * Each job name is its own queue, so a slow subscriber never holds up the inbox.
 */
export interface JobContracts {
  /** Turn one stored inbound event into lifecycle changes. Job id: the inbound event id. */
  'inbox.process': { inboundEventId: string };
  /**
   * The inbound events one ingress commit stored, each processed as if by its own `inbox.process` job. One
   * job per commit instead of per event keeps the queue's cost off the webhook hot path. Job id: the first
   * event's id, suffixed `.batch`.
   */
  'inbox.process-batch': { inboundEventIds: string[] };
  /** Hand one domain event to one subscriber. Job id: outboxJobId(eventId, subscriber). */
  'outbox.deliver': { eventId: string; subscriber: string };
  /**
   * One attempt of one provisioning run (a call to the action's target). Job id: `${runId}.${due}` with `due` the
   * run's `next_attempt_at` in epoch ms, so a double dispatch of one attempt runs once and each retry is a new job.
   */
  'provisioning.run': { runId: string };
  /**
   * One call of one delivery of a domain event to an ERP webhook endpoint. Job id: `${deliveryId}.${due}`, as for
   * provisioning runs.
   */
  'erp-notifications.deliver': { deliveryId: string };
  /**
   * Ask the platform about one contract whose webhooks may have been lost, and apply what it says. Job id:
   * `${contractId}.reconcile.${due}`, with `due` the check's time in epoch ms.
   */
  'contracts.reconcile': { contractId: string };
}

export type JobName = keyof JobContracts;

export const JOB_NAMES: readonly JobName[] = [
  'inbox.process',
  'inbox.process-batch',
  'outbox.deliver',
  'provisioning.run',
  'erp-notifications.deliver',
  'contracts.reconcile',
];

/** `delayMs`: the job becomes runnable that long after it was enqueued (a scheduled retry); unset or 0: at once. */
export type JobSpec = {
  [N in JobName]: { name: N; id: string; data: JobContracts[N]; delayMs?: number };
}[JobName];

/** What a handler did, for the log: `skipped` means the work had already been done (a retry or a duplicate). */
export type JobOutcome = 'done' | 'skipped';

export interface JobContext {
  jobId: string;
  /** 1 on the first run. */
  attempt: number;
}

export type JobHandler<N extends JobName = JobName> = (
  data: JobContracts[N],
  context: JobContext,
) => Promise<JobOutcome>;

export type JobHandlers = { [N in JobName]: JobHandler<N> };

/**
 * BullMQ refuses a custom job id with a single ':' (it reserves that form for repeatable jobs),
 * so the deterministic id joins event and subscriber with a '.'.
 */
export function outboxJobId(eventId: string, subscriber: string): string {
  return `${eventId}.${subscriber}`;
}
