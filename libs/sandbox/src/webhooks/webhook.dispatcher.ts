import { setMaxListeners } from 'node:events';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { SANDBOX_CONFIG, type SandboxConfig } from '../config/sandbox-config';
import { SANDBOX_WEBHOOK_SECRET } from '../sandbox.tokens';
import { WebhookFaultsState } from './webhook-faults.state';
import { AttemptInterruptedError, postWebhook, type AttemptResult } from './webhook-http.client';
import { WebhookMessageStore, type AttemptVerdict, type ClaimedMessage } from './webhook-message.store';
import { nextRetryDelay } from './webhook-retry.policy';

/** Time past the longest possible attempt before a lease runs out: recording it takes a moment too. */
const LEASE_MARGIN_MS = 10_000;
/** While the database is unreachable the poll backs off up to this, so a dead database costs nothing. */
const MAX_DB_BACKOFF_MS = 30_000;
const DEADLINE_POLL_MS = 25;

/**
 * Listeners the shutdown signal may have before Node warns of a leak. Every attempt in flight listens to it (a sleep
 * and an HTTP call each add a listener and remove it when done), so more than Node's default of 10 is the normal
 * case under load: `SANDBOX_WEBHOOK_CONCURRENCY` goes up to 256, and callers waiting for a delivery go beyond it.
 */
export const SHUTDOWN_SIGNAL_MAX_LISTENERS = 1_000;

/** The AbortController every attempt in flight listens to, without a `MaxListenersExceededWarning` under load. */
export function sharedAbortController(): AbortController {
  const controller = new AbortController();
  setMaxListeners(SHUTDOWN_SIGNAL_MAX_LISTENERS, controller.signal);
  return controller;
}

/**
 * Sends the outbox: woken after a commit or every `pollMs`, claims what is due (at most `concurrency` in
 * flight), attempts each message once and records the outcome with its next attempt. Every decision lives
 * in the database, so a restarted process (or a second one) carries on where this one stopped.
 */
@Injectable()
export class WebhookDispatcher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('SandboxWebhooks');
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly stopping = sharedAbortController();
  private started = false;
  private timer?: NodeJS.Timeout;
  private timerAt = Number.POSITIVE_INFINITY;
  private pass?: Promise<void>;
  private passAgain = false;
  private dbFailures = 0;

  constructor(
    @Inject(SANDBOX_CONFIG) private readonly config: SandboxConfig,
    @Inject(SANDBOX_WEBHOOK_SECRET) private readonly secret: string,
    private readonly store: WebhookMessageStore,
    private readonly faults: WebhookFaultsState,
  ) {}

  onApplicationBootstrap(): void {
    this.started = true;
    this.wake();
  }

  async onApplicationShutdown(): Promise<void> {
    this.started = false;
    this.stopping.abort();
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.pass;
    // Attempts in flight are aborted and give their lease back, so the next process retries them at once.
    await Promise.allSettled([...this.inFlight.values()]);
  }

  /** Look for due messages now (new ones were committed, or a slot came free). */
  wake(): void {
    if (!this.started) return;
    // While the database is down only the backoff timer polls: wake-ups must not turn into a tight loop.
    if (this.dbFailures > 0 && this.timer) return;
    if (this.pass) {
      this.passAgain = true;
      return;
    }
    this.passAgain = false;
    this.pass = this.runPass().finally(() => {
      this.pass = undefined;
      // A wake that came after the pass's last claim must not wait for the next poll.
      if (this.passAgain) this.wake();
    });
  }

  /** Claims and attempts exactly these messages; resolves once each has had one attempt (by any process). */
  async deliverNow(messageIds: readonly string[]): Promise<void> {
    const waits: Promise<void>[] = [];
    let rest = [...new Set(messageIds)];
    const seenAttempts = new Map<string, number>();
    const deadline = Date.now() + this.leaseMs();
    while (rest.length > 0) {
      for (const id of rest) {
        const running = this.inFlight.get(id);
        if (running) waits.push(running);
      }
      rest = rest.filter((id) => !this.inFlight.has(id));
      // Beyond `concurrency` on purpose: the caller is waiting for exactly these.
      for (const message of await this.store.claim(rest.length, this.leaseMs(), rest)) {
        waits.push(this.start(message));
      }
      rest = rest.filter((id) => !this.inFlight.has(id));
      if (rest.length === 0) break;
      // Left: held by another process, already delivered or failed, or unknown. Wait only for the first kind.
      const progress = await this.store.progress(rest);
      for (const row of progress) if (!seenAttempts.has(row.id)) seenAttempts.set(row.id, row.attempts);
      rest = progress
        .filter((row) => row.status === 'pending' && row.attempts === seenAttempts.get(row.id))
        .map((row) => row.id);
      if (rest.length === 0 || Date.now() > deadline || !this.started) break;
      await new Promise((resolve) => setTimeout(resolve, DEADLINE_POLL_MS));
    }
    await Promise.all(waits);
  }

  private async runPass(): Promise<void> {
    let nextPollMs = this.config.webhooks.pollMs;
    try {
      do {
        this.passAgain = false;
        const free = this.config.webhooks.concurrency - this.inFlight.size;
        // A finishing attempt wakes the loop again, so a full house just waits.
        if (free <= 0) break;
        for (const message of await this.store.claim(free, this.leaseMs())) void this.start(message);
      } while (this.passAgain && this.started);
      if (this.dbFailures > 0) this.logger.log('Webhook outbox reachable again; delivery resumes');
      this.dbFailures = 0;
    } catch (error) {
      // Logged once per outage, not once per poll; the poll slows down until the database answers.
      if (this.dbFailures === 0) this.logger.warn(`Cannot read the webhook outbox (${errorText(error)}); backing off`);
      this.dbFailures += 1;
      nextPollMs = Math.min(this.config.webhooks.pollMs * 2 ** this.dbFailures, MAX_DB_BACKOFF_MS);
    }
    if (this.started) this.scheduleIn(nextPollMs);
  }

  /** One timer: the earliest of the next poll and the retries this process scheduled itself. */
  private scheduleIn(delayMs: number): void {
    if (!this.started) return;
    const at = Date.now() + delayMs;
    if (this.timer && this.timerAt <= at) return;
    clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerAt = Number.POSITIVE_INFINITY;
      this.wake();
    }, delayMs);
  }

  private start(message: ClaimedMessage): Promise<void> {
    const running = this.attempt(message).finally(() => {
      this.inFlight.delete(message.id);
      this.wake();
    });
    this.inFlight.set(message.id, running);
    return running;
  }

  private async attempt(message: ClaimedMessage): Promise<void> {
    const faults = this.faults.get();
    const attempt = message.attempts + 1;
    try {
      if (faults.delayMs > 0) await sleep(Math.random() * faults.delayMs, this.stopping.signal);
      const results: AttemptResult[] = [];
      if (faults.dropFirstAttempt && attempt === 1) {
        results.push(dropped());
      } else {
        results.push(await this.send(message));
        if (results[0].outcome === 'delivered' && faults.duplicate) {
          // The platform "lost" the acknowledgement: the same webhook-id arrives again at once.
          const again = await this.send(message).catch((error: unknown) => {
            if (error instanceof AttemptInterruptedError) return undefined;
            throw error;
          });
          if (again) results.push(again);
        }
      }
      await this.record(message, attempt, results);
    } catch (error) {
      if (error instanceof AttemptInterruptedError) {
        await this.store.release(message).catch(() => undefined);
        return;
      }
      this.logger.warn(
        `Webhook ${message.id}: attempt ${attempt} could not be recorded (${errorText(error)}); ` +
          'it is retried once its lease expires',
      );
    }
  }

  private send(message: ClaimedMessage): Promise<AttemptResult> {
    return postWebhook({
      url: message.url,
      id: message.id,
      body: message.body,
      secret: this.secret,
      timeoutMs: this.config.webhooks.timeoutMs,
      signal: this.stopping.signal,
    });
  }

  private async record(message: ClaimedMessage, attempt: number, results: AttemptResult[]): Promise<void> {
    const result = results[0];
    const verdict = this.verdict(message, attempt, result);
    const ours = await this.store.record(message, attempt, results, verdict);
    if (!ours) {
      this.logger.warn(`Webhook ${message.id}: lease expired during attempt ${attempt}; another process owns it now`);
      return;
    }
    if (verdict.status === 'failed') {
      this.logger.warn(
        `Webhook ${message.id} to ${message.url} failed for good after attempt ${attempt}: ${verdict.lastError}`,
      );
    } else if (verdict.status === 'pending' && verdict.retryInMs !== null) {
      this.logger.debug(
        `Webhook ${message.id} attempt ${attempt} ${result.outcome} (${verdict.lastError}); retry in ${verdict.retryInMs} ms`,
      );
      this.scheduleIn(verdict.retryInMs);
    }
  }

  private verdict(message: ClaimedMessage, attempt: number, result: AttemptResult): AttemptVerdict {
    if (result.outcome === 'delivered') return { status: 'delivered', retryInMs: null, lastError: null };
    const retryInMs = nextRetryDelay({
      schedule: this.config.webhooks.retryScheduleMs,
      // The schedule restarts after a manual retry (retry_base), so a redelivered message gets a full round.
      retryIndex: attempt - message.retryBase - 1,
      jitter: this.config.webhooks.jitter,
      retryAfterMs: result.retryAfterMs,
      random: Math.random(),
    });
    return retryInMs === null
      ? { status: 'failed', retryInMs: null, lastError: result.error }
      : { status: 'pending', retryInMs, lastError: result.error };
  }

  /** Long enough for the slowest attempt the current faults allow (a delay, then two sends). */
  private leaseMs(): number {
    const faults = this.faults.get();
    return this.config.webhooks.timeoutMs * (faults.duplicate ? 2 : 1) + faults.delayMs + LEASE_MARGIN_MS;
  }
}

function dropped(): AttemptResult {
  return {
    outcome: 'dropped',
    startedAt: new Date(),
    durationMs: 0,
    statusCode: null,
    response: null,
    error: 'not sent: the drop-first fault drops every first attempt',
  };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new AttemptInterruptedError('attempt interrupted'));
    const onAbort = () => {
      clearTimeout(timer);
      reject(new AttemptInterruptedError('attempt interrupted'));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
