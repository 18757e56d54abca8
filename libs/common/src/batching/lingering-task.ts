/** What happens when a pass fails: it is reported, and the task runs again after `retryAfterMs`. */
export interface LingeringTaskFailures {
  retryAfterMs: number;
  onError: (error: unknown) => void;
}

/**
 * Runs `pass` soon after `poke()`: `lingerMs` later, so that pokes close together share one pass. One pass at a
 * time; a poke during a pass makes it run once more, so nothing poked is ever missed. For consumers that read
 * their work from a table in batches (the audit log, the ERP webhooks' fan-out): a poke says there may be more.
 * A pass that fails (a deadlock, the database gone for a moment) is retried `retryAfterMs` later: the work it
 * left must not wait for the next commit, which may never come, or for a sweeper's grace period.
 */
export class LingeringTask {
  private running?: Promise<void>;
  private timer?: NodeJS.Timeout;
  private retryTimer?: NodeJS.Timeout;
  private again = false;
  private closed = false;

  constructor(
    private readonly pass: () => Promise<void>,
    private readonly lingerMs: number,
    private readonly failures: LingeringTaskFailures,
  ) {}

  poke(): void {
    if (this.closed) return;
    this.again = true;
    if (this.running || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.start();
    }, this.lingerMs);
    this.timer.unref();
  }

  /** Before a shutdown: what is pending runs now, then nothing more (a later poke is ignored). */
  async close(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.start();
    }
    await this.running;
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    // A poke during that last pass may have scheduled another: the sweepers find that work after a restart.
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private start(): void {
    this.running = this.drain().finally(() => {
      this.running = undefined;
      // A poke that came after the last pass looked, but before this ran, found a pass still running.
      if (this.again) this.poke();
    });
  }

  private async drain(): Promise<void> {
    while (this.again && !this.closed) {
      this.again = false;
      try {
        await this.pass();
      } catch (error) {
        this.failures.onError(error);
        this.retryLater();
        return;
      }
    }
  }

  private retryLater(): void {
    if (this.closed || this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.poke();
    }, this.failures.retryAfterMs);
    this.retryTimer.unref();
  }
}
