import { BullMqQueueDriver } from './bullmq.queue-driver';
import { InProcessQueueDriver } from './in-process.queue-driver';
import type { QueueDriver } from './queue-driver';
import type { QueueLogger } from './queue-logger';

export * from './queue-driver';
export { BullMqQueueDriver, bullQueueName, type BullMqQueueDriverOptions } from './bullmq.queue-driver';
export { InProcessQueueDriver, type InProcessQueueDriverOptions } from './in-process.queue-driver';
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
  logger: QueueLogger;
}

export function createQueueDriver(options: QueueDriverOptions): QueueDriver {
  const { redisUrl, prefix, lockMs, ...common } = options;
  return redisUrl ? new BullMqQueueDriver({ redisUrl, prefix, lockMs, ...common }) : new InProcessQueueDriver(common);
}
