interface Waiting<T> {
  item: T;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit for small writes: items submitted while a flush runs wait and go together into the next one,
 * so a burst costs a few round trips instead of one per item. Each `submit` resolves when the flush that
 * carried its item succeeded, and rejects with that flush's error. At low load an item is flushed on its own,
 * on the next turn of the event loop.
 */
export class Coalescer<T> {
  private waiting: Waiting<T>[] = [];
  private inFlight = 0;
  private scheduled = false;

  constructor(
    private readonly flush: (items: T[]) => Promise<void>,
    private readonly options: { maxInFlight: number; maxBatch: number },
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

  private schedule(): void {
    if (this.scheduled || this.inFlight >= this.options.maxInFlight || this.waiting.length === 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.run();
    });
  }

  private async run(): Promise<void> {
    const batch = this.waiting.splice(0, this.options.maxBatch);
    if (batch.length === 0) return;
    this.inFlight += 1;
    this.schedule();
    try {
      await this.flush(batch.map((w) => w.item));
      batch.forEach((w) => w.resolve());
    } catch (error) {
      batch.forEach((w) => w.reject(error));
    } finally {
      this.inFlight -= 1;
      this.schedule();
    }
  }
}
