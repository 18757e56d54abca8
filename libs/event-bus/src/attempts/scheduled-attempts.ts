import { Logger } from '@nestjs/common';
import type { RawQueryable } from '@app/common';
import type { JobContracts, JobName, JobSpec } from '../jobs';
import type { QueueDriver } from '../queue/queue-driver';
import { ThrottledLog } from '../queue/queue-logger';

/** Added to a call's timeout for how long a claim holds: past it, a row left `running` by a crash is taken again. */
export const CLAIM_MARGIN_MS = 30_000;
/** A delayed job may fire a little before the database's clock says the attempt is due. */
export const DUE_TOLERANCE_MS = 500;

/**
 * SQL: the row `alias` may be claimed now: pending and due (its job may fire up to DUE_TOLERANCE_MS early), or running
 * with its claim lapsed (a crashed worker's). The condition every owner's claim starts from.
 */
export function claimableSql(alias: string): string {
  return `((${alias}.status = 'pending' AND ${alias}.next_attempt_at <= now() + interval '${DUE_TOLERANCE_MS} milliseconds')
            OR (${alias}.status = 'running' AND ${alias}.next_attempt_at < now()))`;
}

/** A row worked on one attempt at a time: its id, and when its next attempt is due (or its claim lapses). */
export interface AttemptRow {
  id: string;
  next_attempt_at: Date | null;
}

/**
 * Job id of the attempt due at `due`: a double dispatch of one attempt runs once; each new attempt (and each sweep,
 * with its `suffix`) is a new job.
 */
export function attemptJobId(id: string, due: Date | null, suffix?: string): string {
  return `${id}.${due ? due.getTime() : 0}${suffix ? `.${suffix}` : ''}`;
}

/**
 * The scheduling shared by tables whose rows are worked on by one job per attempt (provisioning runs, ERP webhook
 * deliveries): each row has `status` (`pending` | `running` | final ones), `attempts` and `next_attempt_at`, the
 * time a pending attempt is due or a running one's claim lapses. The claim and the outcomes are the owner's; this
 * turns due rows into delayed jobs, and finds the ones a crash or a lost job left behind.
 */
export class ScheduledAttempts<N extends JobName> {
  private readonly logger: Logger;
  /** While the queue is down every dispatch fails alike: a line per 10 s says so. */
  private readonly deferrals: ThrottledLog;

  constructor(
    private readonly options: {
      db: RawQueryable;
      queue: QueueDriver;
      /** The table, trusted SQL (a constant of the owner). */
      table: string;
      job: N;
      data: (id: string) => JobContracts[N];
      /** For the log: what the rows are. */
      what: string;
    },
  ) {
    this.logger = new Logger(`ScheduledAttempts(${options.table})`);
    this.deferrals = new ThrottledLog(this.logger, { level: 'warn' });
  }

  /** One job per row, runnable at its `next_attempt_at`. */
  async dispatch(rows: readonly AttemptRow[], suffix?: string): Promise<void> {
    if (rows.length === 0) return;
    const now = Date.now();
    const jobs = rows.map(
      (row) =>
        ({
          name: this.options.job,
          id: attemptJobId(row.id, row.next_attempt_at, suffix),
          data: this.options.data(row.id),
          delayMs: Math.max(0, (row.next_attempt_at?.getTime() ?? now) - now),
        }) as JobSpec,
    );
    await this.options.queue.enqueue(jobs);
  }

  /** After a commit: a queue that is down is not the caller's failure; `sweep` dispatches the rows later. */
  async dispatchOrLeaveForSweeper(rows: readonly AttemptRow[]): Promise<void> {
    try {
      await this.dispatch(rows);
    } catch (error) {
      this.deferrals.report(`dispatch of ${this.options.what} left to the sweeper`, error);
    }
  }

  /** A delayed job that fired before its time (the claim found it not yet due) would otherwise wait for the sweep. */
  async redispatchIfEarly(id: string): Promise<void> {
    const rows: AttemptRow[] = (await this.options.db.query(
      `SELECT id, next_attempt_at FROM ${this.options.table}
        WHERE id = $1 AND status = 'pending' AND next_attempt_at > now()`,
      [id],
    )) as AttemptRow[];
    if (rows.length > 0) await this.dispatch(rows, 'early');
  }

  /** Rows past their time by `olderThanMs`: a lost job (pending) or a worker killed mid-call (running, claim lapsed). */
  async sweep(olderThanMs: number): Promise<number> {
    const rows = (await this.options.db.query(
      `SELECT id, attempts, next_attempt_at FROM ${this.options.table}
        WHERE status IN ('pending', 'running')
          AND next_attempt_at < now() - make_interval(secs => $1::double precision / 1000)
        ORDER BY next_attempt_at LIMIT 500`,
      [olderThanMs],
    )) as (AttemptRow & { attempts: number })[];
    // Never the original job id: that job may be stuck active in a killed worker until its lock expires.
    await Promise.all(rows.map((row) => this.dispatch([row], `sweep-${row.attempts}`)));
    return rows.length;
  }
}
