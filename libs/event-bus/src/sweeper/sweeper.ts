import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { InjectDataSource } from '@nestjs/typeorm';
import { APP_CONFIG, type AppConfig } from '@app/common';
import type { DataSource } from 'typeorm';
import { errorText } from '../outbox/outbox.relay';

/** Finds work a crash left behind and dispatches it again; returns how many items it re-dispatched. */
export type SweepTask = (olderThanMs: number) => Promise<number>;

/** How a task's pass is logged when it did something (by default: items re-dispatched, as a warning). */
export interface SweepTaskOptions {
  describe?: (count: number) => string;
  /** `log` for routine work (the reconciler's checks); `warn`, the default, for what a crash left behind. */
  level?: 'log' | 'warn';
}

const SWEEPER_INTERVAL_NAME = 'signbridge-sweeper';

/** An arbitrary constant: the PostgreSQL advisory lock that elects one sweeping instance at a time. */
export const SWEEPER_LOCK_KEY = 0x5b51_0001;

/**
 * Re-dispatches inbox and outbox rows left undispatched by a crash. Every instance ticks; only the one
 * that takes the advisory lock sweeps, so several instances never do the same work twice at once.
 */
@Injectable()
export class Sweeper implements OnModuleDestroy {
  private readonly logger = new Logger(Sweeper.name);
  private readonly tasks = new Map<
    string,
    { task: SweepTask; describe: (count: number) => string; level: 'log' | 'warn' }
  >();
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly scheduler: SchedulerRegistry,
  ) {}

  register(name: string, task: SweepTask, options: SweepTaskOptions = {}): void {
    if (this.tasks.has(name)) throw new Error(`Sweep task "${name}" registered twice`);
    this.tasks.set(name, {
      task,
      describe: options.describe ?? ((count) => `re-dispatched ${count} ${name} item(s) left behind`),
      level: options.level ?? 'warn',
    });
  }

  start(): void {
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.sweepOnce()
        .then(() => undefined)
        .finally(() => (this.running = undefined));
    }, this.config.sweeper.intervalMs);
    this.timer.unref();
    // Registered with @nestjs/schedule so it shows among the app's jobs and is cleared with them.
    this.scheduler.addInterval(SWEEPER_INTERVAL_NAME, this.timer);
  }

  /** One pass; returns false when another instance holds the lock. */
  async sweepOnce(): Promise<boolean> {
    const runner = this.dataSource.createQueryRunner();
    try {
      await runner.connect();
      const [{ locked }]: { locked: boolean }[] = await runner.query('SELECT pg_try_advisory_lock($1) AS locked', [
        SWEEPER_LOCK_KEY,
      ]);
      if (!locked) return false;
      try {
        for (const [name, { task, describe, level }] of this.tasks) {
          // One task failing (its table locked, a bad row) does not hold the others up.
          try {
            const count = await task(this.config.sweeper.graceMs);
            if (count > 0) this.logger[level](describe(count));
          } catch (error) {
            this.logger.warn(`sweep task "${name}" failed, will retry: ${errorText(error)}`);
          }
        }
      } finally {
        await runner.query('SELECT pg_advisory_unlock($1)', [SWEEPER_LOCK_KEY]);
      }
      return true;
    } catch (error) {
      this.logger.warn(`sweep failed, will retry: ${errorText(error)}`);
      return false;
    } finally {
      await runner.release();
    }
  }

  /** Before the database closes: stop ticking and let a running pass finish. */
  async onModuleDestroy(): Promise<void> {
    if (this.timer) {
      this.scheduler.deleteInterval(SWEEPER_INTERVAL_NAME);
      this.timer = undefined;
    }
    await this.running;
  }
}
