import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { APP_CONFIG, modifiedRows, type AppConfig } from '@app/common';
import { errorText, JobRegistry, OutboxRelay, QUEUE_DRIVER, Sweeper, type QueueDriver } from '@app/event-bus';
import {
  ProviderError,
  SignatureProviderRegistry,
  type EnvelopeSummary,
  type SignatureEvent,
} from '@app/signature-providers';
import type { DataSource, EntityManager } from 'typeorm';
import { ContractsError } from '../contracts.errors';
import type { ContractStatus } from '../lifecycle';
import { ApplySignatureEventsUseCase } from '../usecases/apply-signature-events.usecase';
import { lockEnvelope } from '../usecases/envelope-lock';
import { eventsFromEnvelope, RECONCILED_KEY_PREFIX } from './envelope-events';

/** The statuses that still wait for the platform. */
const OPEN_STATUSES: readonly ContractStatus[] = ['sent', 'delivered', 'delivery_failed', 'opened', 'partially_signed'];
/** The same list as SQL, for `status IN ${OPEN_SQL}`. */
const OPEN_SQL = `(${OPEN_STATUSES.map((s) => `'${s}'`).join(', ')})`;
/** Contracts asked about per sweeper pass, so one pass never floods the platform. */
const PER_PASS = 100;
const FINAL_TYPES: ReadonlySet<SignatureEvent['type']> = new Set(['completed', 'declined', 'voided', 'expired']);

export interface ReconcileResult {
  contractId: string;
  statusBefore: ContractStatus;
  statusAfter: ContractStatus;
  /** The events that told the contract something new (each has a `reconciled` timeline entry). */
  applied: number;
}

interface ContractRow {
  provider: string;
  envelope_id: string;
  status: ContractStatus;
}

/**
 * The reconciler (ARCHITECTURE.md §3): asks the platform about contracts still waiting for it, in case a webhook
 * was lost for good (the platform gave up retrying, or never sent it), and applies what the platform's envelope
 * says as canonical events, on the lifecycle's one path (envelope lock, contract lock, facts, timeline, outbox).
 * A contract whose deadline passed while the platform still shows it open is voided there and expired here.
 *
 * Scheduling is one column: a sweeper pass (one instance at a time) takes the contracts due, moves each one's
 * `reconcile_due_at` ahead and enqueues one job per contract. A lost job is therefore only a late check.
 */
@Injectable()
export class ContractReconciler implements OnModuleInit {
  private readonly logger = new Logger(ContractReconciler.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(QUEUE_DRIVER) private readonly queue: QueueDriver,
    private readonly registry: JobRegistry,
    private readonly sweeper: Sweeper,
    private readonly providers: SignatureProviderRegistry,
    private readonly applyEvents: ApplySignatureEventsUseCase,
    private readonly relay: OutboxRelay,
  ) {}

  onModuleInit(): void {
    this.registry.registerJob('contracts.reconcile', async ({ contractId }) => {
      const result = await this.reconcileScheduled(contractId);
      return result && result.applied > 0 ? 'done' : 'skipped';
    });
    if (this.config.reconciler.enabled) {
      this.sweeper.register('reconciler', () => this.scheduleDue(), {
        describe: (count) => `asking the platform about ${count} quiet contract(s)`,
        level: 'log',
      });
    }
  }

  /**
   * One pass over the contracts due (at most PER_PASS, oldest first; those another transaction holds wait for the
   * next pass). Each is, by what it is now:
   * - no longer waiting for a platform SignBridge can ask: taken off the schedule (`reconcile_due_at` NULL);
   * - changed within RECONCILE_AFTER (a new contract, or webhooks still arriving): looked at again when it has been
   *   quiet that long;
   * - quiet: asked about (one job each), and looked at again after half its quiet time, between RECONCILE_AFTER and
   *   RECONCILE_MAX_INTERVAL.
   * Returns how many were asked about.
   */
  async scheduleDue(): Promise<number> {
    const { afterMs, maxIntervalMs } = this.config.reconciler;
    const rows = await modifiedRows<{ id: string; ask: boolean; due: Date }>(
      this.dataSource,
      `WITH due AS (
         SELECT id, status IN ${OPEN_SQL} AND provider = ANY($1::text[]) AS waiting,
                updated_at > now() - make_interval(secs => $2::double precision / 1000) AS recent
           FROM contracts
          WHERE reconcile_due_at <= now()
          ORDER BY reconcile_due_at
          LIMIT $4
          FOR UPDATE SKIP LOCKED)
       UPDATE contracts c
          SET reconcile_due_at = CASE
                WHEN NOT due.waiting THEN NULL
                WHEN due.recent THEN c.updated_at + make_interval(secs => $2::double precision / 1000)
                ELSE now() + least(
                  greatest((now() - c.updated_at) / 2, make_interval(secs => $2::double precision / 1000)),
                  make_interval(secs => $3::double precision / 1000))
              END
         FROM due WHERE c.id = due.id
       RETURNING c.id, due.waiting AND NOT due.recent AS ask, now() AS due`,
      [this.providers.names(), afterMs, maxIntervalMs, PER_PASS],
    );
    const asked = rows.filter((row) => row.ask);
    await this.queue.enqueue(
      asked.map((row) => ({
        name: 'contracts.reconcile',
        id: `${row.id}.reconcile.${row.due.getTime()}`,
        data: { contractId: row.id },
      })),
    );
    return asked.length;
  }

  /** Staff ask now, whatever the schedule: the platform's errors reach them as they are. */
  async reconcileNow(contractId: string): Promise<ReconcileResult> {
    const contract = await this.contract(contractId);
    if (!contract) throw new ContractsError('CONTRACT.NOT_FOUND', `No contract with id ${contractId}`);
    return this.reconcile(contractId, contract);
  }

  /** A scheduled check: a platform that fails or does not know the envelope is logged; the next check comes anyway. */
  private async reconcileScheduled(contractId: string): Promise<ReconcileResult | undefined> {
    const contract = await this.contract(contractId);
    if (!contract || !OPEN_STATUSES.includes(contract.status)) return undefined;
    try {
      const result = await this.reconcile(contractId, contract);
      if (result.applied > 0) {
        this.logger.warn(
          `contract ${contractId}: ${result.applied} event(s) the platform's webhooks never brought, ` +
            `${result.statusBefore} → ${result.statusAfter}`,
        );
      }
      return result;
    } catch (error) {
      if (!(error instanceof ProviderError)) throw error;
      this.logger.warn(`contract ${contractId}: the platform could not be asked (${errorText(error)})`);
      return undefined;
    }
  }

  private async reconcile(contractId: string, contract: ContractRow): Promise<ReconcileResult> {
    if (!OPEN_STATUSES.includes(contract.status)) {
      return { contractId, statusBefore: contract.status, statusAfter: contract.status, applied: 0 };
    }
    const provider = this.providers.get(contract.provider);
    const envelope = await provider.getEnvelope(contract.envelope_id);
    const { afterMs } = this.config.reconciler;
    const reconciliationId = randomUUID();
    const outcome = await this.dataSource.transaction(async (em) => {
      const events = await this.withDeadline(em, contract, envelope);
      const applied = await this.applyEvents.execute(em, {
        provider: contract.provider,
        envelopeId: contract.envelope_id,
        deliveries: [{ id: reconciliationId, source: 'reconciler', events }],
      });
      // A statement of its own: the lifecycle's may update the same row, and one statement updates a row once.
      // Asked again once its deadline has passed, so an expiry the platform's webhook lost is not left waiting.
      await em.query(
        `UPDATE contracts
            SET reconciled_at = now(),
                reconcile_due_at = CASE
                  WHEN $2::timestamptz IS NULL THEN reconcile_due_at
                  ELSE greatest(
                    least(coalesce(reconcile_due_at, 'infinity'), $2::timestamptz + make_interval(secs => $3::double precision / 1000)),
                    now() + make_interval(secs => $3::double precision / 1000))
                END
          WHERE id = $1`,
        [contractId, envelope.expiresAt?.toISOString() ?? null, afterMs],
      );
      return applied.found
        ? { emitted: applied.emitted, status: applied.status, applied: applied.entries }
        : { emitted: [], status: contract.status, applied: 0 };
    });
    await this.relay.dispatchOrLeaveForSweeper(outcome.emitted);
    return { contractId, statusBefore: contract.status, statusAfter: outcome.status, applied: outcome.applied };
  }

  /**
   * The platform's events, and, when the deadline passed more than RECONCILE_AFTER ago while the platform still
   * shows the envelope open, the void that closes it there and the expiry that closes the contract here (at the
   * deadline). A signature that beat the void (the platform refuses it as a conflict) is applied instead.
   *
   * The envelope's lock is taken before the void and held until the expiry commits: the platform's `voided` webhook
   * for it waits, and then finds the contract expired at the earlier instant (a conflicting final event, which
   * changes nothing), instead of voiding it first and the expiry following as a second final event.
   */
  private async withDeadline(
    em: EntityManager,
    contract: ContractRow,
    envelope: EnvelopeSummary,
  ): Promise<SignatureEvent[]> {
    const events = eventsFromEnvelope(contract.provider, envelope);
    const deadline = envelope.expiresAt;
    const overdue = deadline && deadline.getTime() + this.config.reconciler.afterMs < Date.now();
    if (!overdue || events.some((e) => FINAL_TYPES.has(e.type))) return events;
    await lockEnvelope(em, contract.provider, contract.envelope_id);
    const provider = this.providers.get(contract.provider);
    let closed: EnvelopeSummary;
    try {
      closed = await provider.voidEnvelope(contract.envelope_id, 'The signing deadline passed');
    } catch (error) {
      if (!(error instanceof ProviderError && error.code === 'PROVIDER.CONFLICT')) throw error;
      return eventsFromEnvelope(contract.provider, await provider.getEnvelope(contract.envelope_id));
    }
    // The void was ours, on the deadline's behalf: the contract expired, it was not voided by anyone.
    const rest = eventsFromEnvelope(contract.provider, closed).filter((e) => e.type !== 'voided');
    if (rest.some((e) => FINAL_TYPES.has(e.type))) return rest;
    return [
      ...rest,
      {
        provider: contract.provider,
        providerEventId: `${RECONCILED_KEY_PREFIX}deadline`,
        envelopeId: contract.envelope_id,
        type: 'expired',
        occurredAt: deadline,
        reason: 'The signing deadline passed; SignBridge voided the envelope on the platform',
      },
    ];
  }

  private async contract(contractId: string): Promise<ContractRow | undefined> {
    const rows: ContractRow[] = await this.dataSource.query(
      `SELECT provider, envelope_id, status FROM contracts WHERE id = $1`,
      [contractId],
    );
    return rows[0];
  }
}
