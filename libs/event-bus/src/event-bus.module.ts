import { Global, Inject, Injectable, Logger, Module, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { APP_CONFIG, HealthRegistry, type AppConfig } from '@app/common';
import type { DataSource } from 'typeorm';
import { OutboxRelay } from './outbox/outbox.relay';
import type { OutboxRef } from './outbox/outbox.writer';
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
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly registry: JobRegistry,
    private readonly sweeper: Sweeper,
    private readonly relay: OutboxRelay,
    health: HealthRegistry,
  ) {
    health.register('queue', async () => ({ ...(await this.queue.health()) }));
  }

  async onApplicationBootstrap(): Promise<void> {
    // Checked in every process, so a missing handler fails the API's boot too, not only the worker's.
    const handlers = this.registry.handlers();
    this.sweeper.register('outbox', (olderThanMs) => this.sweepOutbox(olderThanMs));
    if (!this.config.roles.worker) return;
    await this.queue.startWorkers(handlers);
    this.sweeper.start();
    this.logger.log(`worker started (${(await this.queue.health()).driver} queue)`);
  }

  private async sweepOutbox(olderThanMs: number): Promise<number> {
    const rows: OutboxRef[] = await this.dataSource.query(
      `SELECT id, type FROM outbox
        WHERE dispatched_at IS NULL AND created_at < now() - make_interval(secs => $1::double precision / 1000)
        ORDER BY created_at LIMIT 1000`,
      [olderThanMs],
    );
    await this.relay.dispatch(rows);
    return rows.length;
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
          logger: { log: (m) => logger.log(m), warn: (m) => logger.warn(m), error: (m) => logger.error(m) },
        });
      },
    },
    JobRegistry,
    OutboxRelay,
    SubscriberRunner,
    Sweeper,
    WorkerRunner,
  ],
  exports: [QUEUE_DRIVER, JobRegistry, OutboxRelay, Sweeper],
})
export class EventBusModule {}
