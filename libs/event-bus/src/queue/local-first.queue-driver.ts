import type { JobHandlers, JobSpec } from '../jobs';
import type { InProcessQueueDriver } from './in-process.queue-driver';
import type { QueueDriver, QueueHealth } from './queue-driver';

/**
 * The production layout's driver: a worker process runs the jobs its own work makes (the next step of a contract
 * it has just committed) in the process, and only the rest goes through the shared queue (BullMQ on Redis): jobs
 * made where no worker runs (the API's ingress), delayed jobs (a call's next attempt, a scheduled check: they
 * outlive a restart there), and jobs beyond a short local backlog, so that a busy process leaves work to idle ones.
 * A job that fails here is tried again here, by the in-process driver.
 *
 * Nothing is less durable for it: as with either driver, every job stands for a database row that a sweeper
 * dispatches again if the job is lost. What a crash costs differs: the jobs waiting in a killed process wait for
 * the sweeper (`SWEEP_GRACE_MS`) instead of being taken by another worker at once. On the benchmark's two cores
 * (BENCHMARKS.md, twelfth round), passing every step through Redis cost each contract about 11 jobs and 35 Redis
 * scripts, and the production layout twice the CPU of one process; with this driver, 8 scripts and about the same.
 */
export class LocalFirstQueueDriver implements QueueDriver {
  constructor(
    private readonly local: InProcessQueueDriver,
    private readonly shared: QueueDriver,
  ) {}

  async enqueue(jobs: readonly JobSpec[]): Promise<void> {
    const forShared: JobSpec[] = [];
    for (const job of jobs) {
      // A job this process already holds is not added again anywhere (the driver contract's dedupe).
      if (this.local.holds(job)) continue;
      const delayed = job.delayMs !== undefined && job.delayMs > 0;
      // One at a time: each job taken here lengthens the line the next one is measured against. Before
      // `startWorkers` (a process without the worker role) the local queue has no room.
      if (!delayed && this.local.hasRoom(job.name)) await this.local.enqueue([job]);
      else forShared.push(job);
    }
    if (forShared.length > 0) await this.shared.enqueue(forShared);
  }

  async startWorkers(handlers: JobHandlers): Promise<void> {
    await this.local.startWorkers(handlers);
    await this.shared.startWorkers(handlers);
  }

  /** The shared queue's: the local one is always up, and the other processes depend on the shared one. */
  health(): Promise<QueueHealth> {
    return this.shared.health();
  }

  async close(): Promise<void> {
    await Promise.all([this.local.close(), this.shared.close()]);
  }
}
