interface Waiting<T> {
  item: T;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit for small writes: items submitted while a flush runs wait and go together into the next one,
 * so a burst costs a few round trips instead of one per item. Each `submit` resolves when the flush that
 * carried its item succeeded, and rejects with that flush's error. At low load an item is flushed on its own,
 * on the next turn of the event loop, or after `lingerMs` when set (more items share a flush, each waits longer).
 */
export class Coalescer<T> {
  private waiting: Waiting<T>[] = [];
  private inFlight = 0;
  private readonly running = new Set<Promise<void>>();
  private scheduled = false;

  constructor(
    private readonly flush: (items: T[]) => Promise<void>,
    private readonly options: { maxInFlight: number; maxBatch: number; lingerMs?: number },
  ) {
    if (!(options.maxInFlight >= 1) || !(options.maxBatch >= 1)) {
      throw new Error('Coalescer: maxInFlight and maxBatch must be at least 1');
    }
  }

  submit(items: readonly T[]): Promise<void> {
    if (items.length === 0) return Promise.resolve();
    const done = items.map(
      (item) => new Promise<void>((resolve, reject) => this.waiting.push({ item, resolve, reject })),
    );
    this.schedule();
    return Promise.all(done).then(() => undefined);
  }

  /** Flushes what waits now, without lingering, and resolves when no flush is running (before a shutdown). */
  async drain(): Promise<void> {
    while (this.waiting.length > 0 || this.running.size > 0) {
      if (this.waiting.length > 0) void this.run();
      await Promise.allSettled([...this.running]);
    }
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= this.options.maxInFlight || this.waiting.length === 0) return;
    this.scheduled = true;
    const run = () => {
      this.scheduled = false;
      void this.run();
    };
    if (this.options.lingerMs) setTimeout(run, this.options.lingerMs).unref();
    else setImmediate(run);
  }

  private run(): Promise<void> {
    const batch = this.waiting.splice(0, this.options.maxBatch);
    if (batch.length === 0) return Promise.resolve();
    this.inFlight += 1;
    this.schedule();
    const flushed = this.flush(batch.map((w) => w.item)).then(
      () => batch.forEach((w) => w.resolve()),
      (error: unknown) => batch.forEach((w) => w.reject(error)),
    );
    const tracked = flushed.finally(() => {
      this.running.delete(tracked);
      this.inFlight -= 1;
      this.schedule();
    });
    this.running.add(tracked);
    return tracked;
  }
}
