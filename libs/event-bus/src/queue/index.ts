import { BullMqQueueDriver } from './bullmq.queue-driver';
import { InProcessQueueDriver } from './in-process.queue-driver';
import { LocalFirstQueueDriver } from './local-first.queue-driver';
import type { QueueDriver } from './queue-driver';
import type { QueueLogger } from './queue-logger';

export * from './queue-driver';
export { BullMqQueueDriver, bullQueueName, type BullMqQueueDriverOptions } from './bullmq.queue-driver';
export { InProcessQueueDriver, type InProcessQueueDriverOptions } from './in-process.queue-driver';
export { LocalFirstQueueDriver } from './local-first.queue-driver';
export { ThrottledLog, type QueueLogger } from './queue-logger';

export interface QueueDriverOptions {
  /** Redis for BullMQ; unset means the in-process driver (single process, durability from the database). */
  redisUrl?: string;
  prefix: string;
  concurrency: number;
  attempts: number;
  backoffMs: number;
  /** BullMQ only: see BullMqQueueDriverOptions.lockMs. */
  lockMs?: number;
  /** With Redis: a worker process runs the jobs its own work makes itself (LocalFirstQueueDriver). */
  localFirst?: boolean;
  logger: QueueLogger;
}

export function createQueueDriver(options: QueueDriverOptions): QueueDriver {
  const { redisUrl, prefix, lockMs, localFirst, ...common } = options;
  if (!redisUrl) return new InProcessQueueDriver(common);
  const shared = new BullMqQueueDriver({ redisUrl, prefix, lockMs, ...common });
  return localFirst ? new LocalFirstQueueDriver(new InProcessQueueDriver(common), shared) : shared;
}
