import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { APP_CONFIG, modifiedRows, nextDelayMs, verdictForStatus, type AppConfig } from '@app/common';
import {
  CLAIM_MARGIN_MS,
  claimableSql,
  writeWithEvents,
  JobRegistry,
  OutboxRelay,
  QUEUE_DRIVER,
  ScheduledAttempts,
  Sweeper,
  type AttemptRow,
  type DomainEventDraft,
  type JobOutcome,
  type QueueDriver,
} from '@app/event-bus';
import type { DataSource } from 'typeorm';
import type { ProvisioningContext, ProvisioningCustomer } from '../actions/provisioning-action';
import { ProvisioningActionRegistry } from '../actions/provisioning-action.registry';
import { callTarget, type TargetAnswer } from '../http/target-client';
import type { ProvisioningFailureReason } from '../provisioning.errors';
import type { ProvisioningRunRow } from './provisioning-run.row';

/** A claimed attempt: the row as the claim left it (status running, attempts counted), with its customer. */
type Claimed = ProvisioningRunRow & {
  customer_external_ref: string;
  customer_name: string;
  customer_email: string;
  customer_tax_id: string | null;
};

/**
 * Executes provisioning runs, one attempt per `provisioning.run` job, outside any subscriber's transaction.
 *
 * Exactly one success per (contract, action, kind): an attempt starts with a conditional UPDATE that only one worker
 * wins (pending and due, or running with its claim lapsed), and every later write is fenced on (status running,
 * attempts = the claimed number), so a worker that lost its claim can no longer record anything. The target sees
 * the same `Idempotency-Key` (the run id) on every attempt, which covers the one window left: a call that reached
 * the target from a worker that then died before recording it.
 */
@Injectable()
export class ProvisioningRunner implements OnModuleInit {
  private readonly logger = new Logger('Provisioning');
  private readonly attempts: ScheduledAttempts<'provisioning.run'>;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(QUEUE_DRIVER) queue: QueueDriver,
    private readonly registry: JobRegistry,
    private readonly relay: OutboxRelay,
    private readonly sweeper: Sweeper,
    private readonly actions: ProvisioningActionRegistry,
  ) {
    this.attempts = new ScheduledAttempts({
      db: dataSource,
      queue,
      table: 'provisioning_orders',
      job: 'provisioning.run',
      data: (runId) => ({ runId }),
      what: 'provisioning run(s)',
    });
  }

  onModuleInit(): void {
    this.registry.registerJob('provisioning.run', (data) => this.execute(data.runId));
    this.sweeper.register('provisioning', (olderThanMs) => this.sweep(olderThanMs));
  }

  /** After a commit: a queue that is down is not the caller's failure; the sweep re-dispatches the runs. */
  dispatchOrLeaveForSweeper(runs: readonly AttemptRow[]): Promise<void> {
    return this.attempts.dispatchOrLeaveForSweeper(runs);
  }

  /** Runs past their time: a lost job (pending) or a worker killed mid-call (running, claim lapsed). */
  sweep(olderThanMs: number): Promise<number> {
    return this.attempts.sweep(olderThanMs);
  }

  /** One attempt of one run: claim, call, record. */
  async execute(runId: string): Promise<JobOutcome> {
    const run = await this.claim(runId);
    if (!run) {
      await this.attempts.redispatchIfEarly(runId);
      return 'skipped';
    }
    const action = this.actions.get(run.action);
    if (!action) {
      return this.fail(run, 'PROVISIONING.UNKNOWN_ACTION', `no provisioning action "${run.action}" is registered`);
    }
    const build = run.kind === 'provision' ? action.provision.bind(action) : action.reverse?.bind(action);
    if (!build) return this.fail(run, 'PROVISIONING.NOT_REVERSIBLE', `action "${run.action}" has no reversal`);
    const targets = this.config.provisioning.targets;
    const target = Object.hasOwn(targets, run.action) ? targets[run.action] : undefined;
    if (!target) {
      const variable = `PROVISIONING_${run.action.toUpperCase().replace(/-/g, '_')}_URL`;
      return this.fail(run, 'PROVISIONING.TARGET_NOT_CONFIGURED', `no target for "${run.action}": set ${variable}`);
    }

    let resultRef: string | null = null;
    if (run.kind === 'reverse') {
      const provision = await this.provisionRunOf(run);
      if (provision?.status === 'pending' || provision?.status === 'running') return this.waitForProvision(run);
      if (provision?.status !== 'succeeded') {
        return this.fail(
          run,
          'PROVISIONING.NOTHING_TO_REVERSE',
          `the provision run ${provision?.status ?? 'is missing'}`,
        );
      }
      resultRef = provision.result_ref;
    }
    const request = build(this.context(run, resultRef));
    if (!request) {
      // A 2xx that named no account or order: nothing says what to undo, and a guess could undo someone else's.
      return this.fail(
        run,
        'PROVISIONING.NOTHING_TO_REVERSE',
        'the provision kept no reference from its answer (an account id, an order number): nothing says what to undo; undo it at the target',
      );
    }
    const answer = await callTarget(target.url, request, {
      runId: run.id,
      secret: target.secret,
      timeoutMs: this.config.provisioning.timeoutMs,
    });
    const verdict = answer.status === 0 ? 'retry' : verdictForStatus(answer.status);
    switch (verdict) {
      case 'succeeded':
        return this.succeed(run, answer, run.kind === 'provision' ? action.resultRef(answer.body) : null);
      case 'rejected':
        return this.fail(run, 'PROVISIONING.TARGET_REJECTED', `HTTP ${answer.status}`, answer);
      case 'retry':
        if (run.attempts >= this.config.provisioning.maxAttempts) {
          return this.fail(
            run,
            'PROVISIONING.ATTEMPTS_EXHAUSTED',
            `${run.attempts} attempt(s), the last: ${describeAnswer(answer)}`,
            answer,
          );
        }
        return this.retryLater(run, answer);
    }
  }

  private async claim(runId: string): Promise<Claimed | undefined> {
    const leaseMs = this.config.provisioning.timeoutMs + CLAIM_MARGIN_MS;
    const rows = await modifiedRows<Claimed>(
      this.dataSource,
      `UPDATE provisioning_orders o
          SET status = 'running', attempts = attempts + 1, updated_at = now(),
              next_attempt_at = now() + make_interval(secs => $2::double precision / 1000)
         FROM customers c
        WHERE o.id = $1 AND c.id = o.customer_id
          AND ${claimableSql('o')}
        RETURNING o.*, c.external_ref AS customer_external_ref, c.name AS customer_name, c.email AS customer_email,
                  c.tax_id AS customer_tax_id`,
      [runId, leaseMs],
    );
    return rows[0];
  }

  private context(run: Claimed, resultRef: string | null): ProvisioningContext {
    const customer: ProvisioningCustomer = {
      id: run.customer_id,
      externalRef: run.customer_external_ref,
      name: run.customer_name,
      email: run.customer_email,
      taxId: run.customer_tax_id,
    };
    return { runId: run.id, contractId: run.contract_id, customer, params: run.params, resultRef };
  }

  /** The provision run a reversal undoes: its status, and what the target answered (the account id, say). */
  private async provisionRunOf(run: Claimed): Promise<{ status: string; result_ref: string | null } | undefined> {
    const rows: { status: string; result_ref: string | null }[] = await this.dataSource.query(
      `SELECT status, result_ref FROM provisioning_orders WHERE contract_id = $1 AND action = $2 AND kind = 'provision'`,
      [run.contract_id, run.action],
    );
    return rows[0];
  }

  /**
   * A reversal that arrived while its provision run is still pending or running (a void right after activation,
   * the target slow or down) waits for it, without using up an attempt: undoing a call still in flight could be
   * overtaken by it.
   */
  private async waitForProvision(run: Claimed): Promise<JobOutcome> {
    const rows = await modifiedRows<{ id: string; next_attempt_at: Date }>(
      this.dataSource,
      `UPDATE provisioning_orders
          SET status = 'pending', attempts = attempts - 1, updated_at = now(),
              next_attempt_at = now() + make_interval(secs => $3::double precision / 1000)
        WHERE id = $1 AND status = 'running' AND attempts = $2
        RETURNING id, next_attempt_at`,
      [run.id, run.attempts, this.config.provisioning.backoffMs],
    );
    if (rows.length === 0) return 'skipped';
    await this.dispatchOrLeaveForSweeper(rows);
    return 'done';
  }

  private async retryLater(run: Claimed, answer: TargetAnswer): Promise<JobOutcome> {
    const { backoffMs, maxBackoffMs } = this.config.provisioning;
    const delayMs = nextDelayMs({ baseMs: backoffMs, capMs: maxBackoffMs }, run.attempts, answer.retryAfterMs);
    const rows = await modifiedRows<{ id: string; next_attempt_at: Date }>(
      this.dataSource,
      `UPDATE provisioning_orders
          SET status = 'pending', next_attempt_at = now() + make_interval(secs => $3::double precision / 1000),
              last_status_code = $4, last_error = $5, response = $6, updated_at = now()
        WHERE id = $1 AND status = 'running' AND attempts = $2
        RETURNING id, next_attempt_at`,
      [run.id, run.attempts, delayMs, statusOf(answer), describeAnswer(answer), jsonOrNull(answer.body)],
    );
    if (rows.length === 0) return 'skipped';
    this.logger.warn(
      `run ${run.id} (${run.action} ${run.kind}) attempt ${run.attempts}: ${describeAnswer(answer)}; next in ${delayMs} ms`,
    );
    await this.dispatchOrLeaveForSweeper(rows);
    return 'done';
  }

  private succeed(run: Claimed, answer: TargetAnswer, resultRef: string | null): Promise<JobOutcome> {
    const type = run.kind === 'provision' ? 'ServiceProvisioned' : 'ServiceDeprovisioned';
    const ref = run.kind === 'provision' ? resultRef : null;
    return this.finish(run, {
      status: 'succeeded',
      statusCode: answer.status,
      error: null,
      response: answer.body,
      resultRef: ref,
      timelineType: run.kind === 'provision' ? 'service_provisioned' : 'service_deprovisioned',
      detail: { resultRef: ref, statusCode: answer.status },
      event: { type, data: { runId: run.id, action: run.action, resultRef: ref } },
    });
  }

  private fail(
    run: Claimed,
    reason: ProvisioningFailureReason,
    detail: string,
    answer?: TargetAnswer,
  ): Promise<JobOutcome> {
    const statusCode = answer ? statusOf(answer) : null;
    this.logger.warn(`run ${run.id} (${run.action} ${run.kind}) failed: ${reason}: ${detail}`);
    return this.finish(run, {
      status: 'failed',
      statusCode,
      error: `${reason}: ${detail}`,
      response: answer?.body ?? null,
      resultRef: null,
      timelineType: run.kind === 'provision' ? 'provisioning_failed' : 'deprovisioning_failed',
      detail: { reason, statusCode },
      event: {
        type: 'ProvisioningFailed',
        data: { runId: run.id, action: run.action, reason, statusCode, kind: run.kind },
      },
    });
  }

  /**
   * The final write, its timeline entry and its domain event, fenced on the claim: one statement, so one round
   * trip and atomic without a transaction of its own. The timeline entry and the event are written only if the
   * fenced update matched (a worker that lost its claim records nothing).
   */
  private async finish(
    run: Claimed,
    outcome: {
      status: 'succeeded' | 'failed';
      statusCode: number | null;
      error: string | null;
      response: unknown;
      resultRef: string | null;
      timelineType: string;
      detail: Record<string, unknown>;
      event: DomainEventDraft;
    },
  ): Promise<JobOutcome> {
    const now = new Date();
    const emitted = await writeWithEvents(
      this.dataSource,
      {
        finished: {
          text: `UPDATE provisioning_orders o
                    SET status = $3, last_status_code = $4, last_error = $5, response = $6, result_ref = $7,
                        next_attempt_at = NULL, completed_at = now(), updated_at = now()
                   FROM contracts k
                  WHERE o.id = $1 AND o.status = 'running' AND o.attempts = $2 AND k.id = o.contract_id
                  RETURNING k.status AS contract_status`,
          values: [
            run.id,
            run.attempts,
            outcome.status,
            outcome.statusCode,
            outcome.error,
            jsonOrNull(outcome.response),
            outcome.resultRef,
          ],
        },
        timeline: {
          text: `INSERT INTO contract_timeline (id, contract_id, event_key, kind, type, outcome, status_before,
                                                status_after, occurred_at, detail)
                 SELECT gen_random_uuid(), $1::uuid, $2, 'system', $3, 'recorded', contract_status, contract_status,
                        $4::timestamptz, $5::jsonb
                   FROM finished
                 ON CONFLICT (contract_id, event_key) DO NOTHING`,
          values: [
            run.contract_id,
            `provisioning:${run.id}:${outcome.status}`,
            outcome.timelineType,
            now.toISOString(),
            JSON.stringify({
              runId: run.id,
              action: run.action,
              kind: run.kind,
              attempts: run.attempts,
              ...outcome.detail,
            }),
          ],
        },
      },
      {
        drafts: [outcome.event],
        context: {
          aggregateType: 'contract',
          aggregateId: run.contract_id,
          correlationId: run.id,
          causationId: run.id,
          occurredAt: now,
        },
        // Nothing is reported by a worker whose claim lapsed: its fenced update matched no row.
        onlyIf: 'EXISTS (SELECT 1 FROM finished)',
      },
    );
    if (emitted.length === 0) return 'skipped';
    await this.relay.dispatchOrLeaveForSweeper(emitted);
    return 'done';
  }
}

function statusOf(answer: TargetAnswer): number | null {
  return answer.status === 0 ? null : answer.status;
}

function describeAnswer(answer: TargetAnswer): string {
  return answer.status === 0 ? (answer.error ?? 'no answer') : `HTTP ${answer.status}`;
}

function jsonOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : JSON.stringify(value);
}
