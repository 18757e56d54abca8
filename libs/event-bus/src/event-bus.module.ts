import { Global, Inject, Injectable, Logger, Module, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { APP_CONFIG, HealthRegistry, type AppConfig } from '@app/common';
import { OutboxMetrics } from './outbox/outbox.metrics';
import { OutboxRelay } from './outbox/outbox.relay';
import { SubscriberRunner } from './outbox/subscriber-runner';
import { createQueueDriver } from './queue';
import { QUEUE_DRIVER, type QueueDriver } from './queue/queue-driver';
import { JobRegistry } from './registry/job-registry';
import { Sweeper } from './sweeper/sweeper';

/** Starts consumers and the sweeper in processes that run the worker role; checks every job has a handler. */
@Injectable()
export class WorkerRunner implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Worker');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(QUEUE_DRIVER) private readonly queue: QueueDriver,
    private readonly registry: JobRegistry,
    private readonly sweeper: Sweeper,
    health: HealthRegistry,
  ) {
    health.register('queue', async () => ({ ...(await this.queue.health()) }));
  }

  async onApplicationBootstrap(): Promise<void> {
    // Checked in every process, so a missing handler fails the API's boot too, not only the worker's.
    const handlers = this.registry.handlers();
    if (!this.config.roles.worker) return;
    await this.queue.startWorkers(handlers);
    this.sweeper.start();
    this.logger.log(`worker started (${(await this.queue.health()).driver} queue)`);
  }

  async onModuleDestroy(): Promise<void> {
    await this.queue.close();
  }
}

@Global()
@Module({
  providers: [
    {
      provide: QUEUE_DRIVER,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig): QueueDriver => {
        const logger = new Logger('Queue');
        return createQueueDriver({
          redisUrl: config.queue.redisUrl,
          prefix: config.queue.prefix,
          concurrency: config.queue.concurrency,
          attempts: config.queue.attempts,
          backoffMs: config.queue.backoffMs,
          lockMs: config.queue.lockMs,
          localFirst: config.queue.localFirst,
          logger: { log: (m) => logger.log(m), warn: (m) => logger.warn(m), error: (m) => logger.error(m) },
        });
      },
    },
    JobRegistry,
    OutboxRelay,
    OutboxMetrics,
    SubscriberRunner,
    Sweeper,
    WorkerRunner,
  ],
  exports: [QUEUE_DRIVER, JobRegistry, OutboxRelay, Sweeper],
})
export class EventBusModule {}
