import { QueueClosedError } from './queue-driver';

/** The slice of a Nest `Logger` the queue drivers need; `debug` is optional so a plain console-like object fits. */
export interface QueueLogger {
  log(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  debug?(message: string): void;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

interface SourceState {
  lastLoggedAt: number;
  suppressed: number;
  /** Errors seen since the source was last healthy, so a recovery is worth a line. */
  failing: boolean;
}

/**
 * A client that cannot reach Redis reports the same error on every reconnect attempt, from every connection and
 * every queue and worker built on it; and while it is down, every commit's dispatch fails the same way. One line per
 * source per window, with a count of what was left out, keeps the outage visible without burying everything else in
 * the log. `level: 'warn'` for what is taken care of anyway (a dispatch the sweeper will make).
 */
export class ThrottledLog {
  private readonly sources = new Map<string, SourceState>();
  private readonly windowMs: number;
  private readonly now: () => number;
  private readonly level: 'error' | 'warn';

  constructor(
    private readonly logger: QueueLogger,
    options: { windowMs?: number; now?: () => number; level?: 'error' | 'warn' } = {},
  ) {
    this.windowMs = options.windowMs ?? 10_000;
    this.now = options.now ?? Date.now;
    this.level = options.level ?? 'error';
  }

  /**
   * Logs `source: <error>`, throttled. A queue closed for a shutdown (`QueueClosedError`) is an ordinary line, not a
   * warning or an error: what could not be dispatched is dispatched by a sweeper after the next start.
   */
  report(source: string, error: unknown): void {
    const state = this.sources.get(source) ?? { lastLoggedAt: Number.NEGATIVE_INFINITY, suppressed: 0, failing: false };
    this.sources.set(source, state);
    state.failing = true;
    const at = this.now();
    if (at - state.lastLoggedAt < this.windowMs) {
      state.suppressed += 1;
      return;
    }
    const suppressed = state.suppressed > 0 ? ` (${state.suppressed} similar suppressed)` : '';
    state.lastLoggedAt = at;
    state.suppressed = 0;
    if (error instanceof QueueClosedError) {
      this.logger.log(
        `${source}: ${errorMessage(error)} (shutting down; the sweeper dispatches after the next start)${suppressed}`,
      );
    } else {
      this.logger[this.level](`${source}: ${errorMessage(error)}${suppressed}`);
    }
  }

  /** Says once that a source that had been failing works again; silent otherwise. */
  recovered(source: string, message: string): void {
    const state = this.sources.get(source);
    if (!state?.failing) {
      return;
    }
    const suppressed = state.suppressed > 0 ? ` (${state.suppressed} more error(s) not logged)` : '';
    this.sources.delete(source);
    this.logger.log(`${source}: ${message}${suppressed}`);
  }
}
