import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { DomainEvent } from '../domain-events';
import { JOB_NAMES, type JobHandler, type JobHandlers, type JobName, type JobOutcome } from '../jobs';
import type { OutboxRef } from '../outbox/outbox.writer';
import { SUBSCRIBER_NAMES, type SubscriberName } from '../subscriptions';

/**
 * Runs inside the subscriber's transaction (the one that records its receipt). Whatever domain events it
 * appends to the outbox through `em` are returned so the relay can dispatch them after commit.
 */
export type SubscriberHandler = (event: DomainEvent, em: EntityManager) => Promise<SubscriberResult>;

export interface SubscriberResult {
  outcome: JobOutcome;
  emitted: OutboxRef[];
  /** Work that must only start once the transaction is committed (enqueueing jobs that read its rows). */
  afterCommit?: () => Promise<void>;
}

export interface SubscriberOptions {
  /**
   * The handler only reads and writes the database through `em` (no mail, no HTTP, no files before commit), so
   * deliveries of this subscriber that wait at the same moment may share one transaction: one receipt statement
   * and one commit for all of them instead of one each. If that transaction fails, each delivery runs again in
   * a transaction of its own, so one bad event fails only its own job (`SubscriberRunner`).
   */
  batched?: boolean;
  /**
   * In a shared transaction, this handler runs after those of the other subscribers. For a handler that takes a
   * lock every batch waits for (the invoice chain's): a batch that holds it then needs no lock that another
   * batch, waiting for it, could hold, so batches of different subscribers cannot deadlock over it.
   */
  lastInBatch?: boolean;
}

/**
 * Where modules register the code behind each job and subscriber. Boot fails if a name has two
 * handlers (at registration) or none (when the workers start): a job nobody handles would wait forever.
 */
@Injectable()
export class JobRegistry {
  private readonly jobs = new Map<JobName, JobHandler<never>>();
  private readonly subscribers = new Map<SubscriberName, SubscriberHandler>();
  private readonly batched = new Set<SubscriberName>();
  private readonly last = new Set<SubscriberName>();

  registerJob<N extends JobName>(name: N, handler: JobHandler<N>): void {
    if (this.jobs.has(name)) throw new Error(`Job "${name}" has two handlers`);
    this.jobs.set(name, handler as JobHandler<never>);
  }

  registerSubscriber(name: SubscriberName, handler: SubscriberHandler, options: SubscriberOptions = {}): void {
    if (this.subscribers.has(name)) throw new Error(`Subscriber "${name}" has two handlers`);
    this.subscribers.set(name, handler);
    if (options.batched) this.batched.add(name);
    if (options.lastInBatch) this.last.add(name);
  }

  isBatched(name: SubscriberName): boolean {
    return this.batched.has(name);
  }

  isLastInBatch(name: SubscriberName): boolean {
    return this.last.has(name);
  }

  subscriber(name: SubscriberName): SubscriberHandler {
    const handler = this.subscribers.get(name);
    if (!handler) throw new Error(`Subscriber "${name}" has no handler`);
    return handler;
  }

  /** Every job's handler; throws naming what is missing. */
  handlers(): JobHandlers {
    const missingJobs = JOB_NAMES.filter((name) => !this.jobs.has(name));
    const missingSubscribers = SUBSCRIBER_NAMES.filter((name) => !this.subscribers.has(name));
    if (missingJobs.length > 0 || missingSubscribers.length > 0) {
      throw new Error(
        `No handler for ${[...missingJobs.map((j) => `job "${j}"`), ...missingSubscribers.map((s) => `subscriber "${s}"`)].join(', ')}`,
      );
    }
    return Object.fromEntries(this.jobs) as JobHandlers;
  }
}
