import type { JobHandlers, JobSpec } from '../jobs';

/**
 * A job offered to a queue that this process closed (it is shutting down). Not a fault: the job stands for a
 * database row, which a sweeper dispatches again after the next start.
 */
export class QueueClosedError extends Error {
  constructor(driver: string) {
    super(`${driver} is closed`);
    this.name = 'QueueClosedError';
  }
}

export interface QueueHealth {
  up: boolean;
  driver: 'in-process' | 'bullmq';
  detail?: string;
}

/**
 * Where jobs wait between a commit and their handler. Durability does not come from here: every job
 * stands for a database row (an inbound event, an outbox row) that a sweeper re-dispatches if the job is lost.
 */
export interface QueueDriver {
  /**
   * Adds jobs; a job whose id is already waiting, delayed or running is not added twice. A job with `delayMs`
   * waits that long before it may run (it is deduped meanwhile).
   */
  enqueue(jobs: readonly JobSpec[]): Promise<void>;
  /** Starts consuming. Called once, in processes that run the worker role. */
  startWorkers(handlers: JobHandlers): Promise<void>;
  health(): Promise<QueueHealth>;
  close(): Promise<void>;
}

export const QUEUE_DRIVER = Symbol('QUEUE_DRIVER');
