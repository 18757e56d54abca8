import type { JobContext, JobHandlers, JobOutcome } from '@app/event-bus';

/**
 * A handler for every job name, each calling `run` with what names the job's work (the inbound event, the event
 * and subscriber as `event/subscriber`, the run, the delivery, the contract) and the job's context.
 */
export function handlersCalling(run: (id: string, context: JobContext) => Promise<JobOutcome>): JobHandlers {
  return {
    'inbox.process': (data, context) => run(data.inboundEventId, context),
    'inbox.process-batch': (data, context) => run(data.inboundEventIds.join(','), context),
    'outbox.deliver': (data, context) => run(`${data.eventId}/${data.subscriber}`, context),
    'provisioning.run': (data, context) => run(data.runId, context),
    'erp-notifications.deliver': (data, context) => run(data.deliveryId, context),
    'contracts.reconcile': (data, context) => run(data.contractId, context),
  };
}
