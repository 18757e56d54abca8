import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { APP_CONFIG, type AppConfig, type RawQueryable } from '@app/common';
import {
  type BillingLine,
  type BillingParty,
  type ContractBilling,
  type Money,
  type ProvisioningActionSpec,
  type SignatureLevel,
} from '@app/domain';
import { appendToOutbox, OutboxRelay, type OutboxRef } from '@app/event-bus';
import { SignatureProviderRegistry } from '@app/signature-providers';
import type { DataSource } from 'typeorm';
import { ContractsError } from '../contracts.errors';
import { createLifecycle, normalizeEmail } from '../lifecycle';
import { lockEnvelope } from './envelope-lock';
import { requiredSignatureLevel } from './signature-policy';

/** As the API takes it: exactly one of the two is checked in the use case. */
export interface BillingRequest {
  lines?: BillingLine[];
  plan?: string;
  party?: BillingParty;
}

export interface RegisterContractCommand {
  customerId: string;
  provider: string;
  envelopeId: string;
  title?: string;
  signers: { email: string; name: string }[];
  amount: Money;
  requiredSignatureLevel?: SignatureLevel;
  billing?: BillingRequest;
  provisioning?: { action: string; params?: Record<string, unknown> }[];
  /** Set when SignBridge sent the envelope itself: the instant it did, the document and the signing links. */
  sent?: { at: Date; document: { filename: string; sha256: string }; signingUrls: Record<string, string> };
}

/**
 * Registers a contract that was sent for signature elsewhere (or just now, by SendContractForSignature). Its
 * `ContractRegistered` event is what applies any events that arrived for the envelope before the contract existed
 * (they were parked).
 */
@Injectable()
export class RegisterContractUseCase {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly relay: OutboxRelay,
    private readonly providers: SignatureProviderRegistry,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * What can be refused without the database: two signers with one address, billing that is not exactly one of
   * lines or a plan of the catalogue, a provisioning action twice or with oversized params. SendContractForSignature
   * asks it before calling the platform, so a refused contract never leaves an envelope (and invitations) behind.
   */
  check(command: Pick<RegisterContractCommand, 'signers' | 'billing' | 'provisioning'>): {
    emails: string[];
    billing: ContractBilling | null;
    provisioning: ProvisioningActionSpec[];
  } {
    const emails = command.signers.map((s) => normalizeEmail(s.email));
    if (new Set(emails).size !== emails.length) {
      throw new ContractsError('CONTRACT.INVALID', 'Two signers share one e-mail address', { field: 'signers' });
    }
    return {
      emails,
      billing: this.validBilling(command.billing),
      provisioning: validProvisioning(command.provisioning ?? []),
    };
  }

  async execute(command: RegisterContractCommand): Promise<string> {
    const { emails, billing, provisioning } = this.check(command);
    const contractId = randomUUID();
    const requiredLevel = requiredSignatureLevel(
      command.amount,
      command.requiredSignatureLevel,
      this.config.signaturePolicy,
    );
    const evidenceRequired = this.providers.get(command.provider).servesDocuments;
    let emitted: OutboxRef[] = [];
    await this.dataSource.transaction(async (em) => {
      await requireBillableCustomer(em, command.customerId, billing);
      await lockEnvelope(em, command.provider, command.envelopeId);
      const now = new Date();
      const start = createLifecycle({
        customerId: command.customerId,
        signers: command.signers,
        requiredLevel,
        ...(command.sent ? { sentAt: command.sent.at } : { sentElsewhere: true }),
        evidenceRequired,
      });
      const inserted: unknown[] = await em.query(
        `INSERT INTO contracts (id, customer_id, provider, envelope_id, title, currency, amount_cents, required_level, status, lifecycle,
                                document_filename, document_sha256, signing_urls, billing, provisioning)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
         ON CONFLICT (provider, envelope_id) DO NOTHING RETURNING id`,
        [
          contractId,
          command.customerId,
          command.provider,
          command.envelopeId,
          command.title ?? null,
          command.amount.currency,
          command.amount.amountCents,
          requiredLevel,
          start.state.status,
          JSON.stringify(start.state),
          command.sent?.document.filename ?? null,
          command.sent?.document.sha256 ?? null,
          JSON.stringify(command.sent?.signingUrls ?? {}),
          billing === null ? null : JSON.stringify(billing),
          JSON.stringify(provisioning),
        ],
      );
      if (inserted.length === 0) {
        throw new ContractsError(
          'CONTRACT.ENVELOPE_TAKEN',
          `Envelope "${command.envelopeId}" of provider "${command.provider}" is already registered`,
          { field: 'envelopeId' },
        );
      }
      await em.query(
        `INSERT INTO contract_timeline (id, contract_id, event_key, kind, type, outcome, status_before, status_after, occurred_at, detail)
         VALUES ($1, $2, 'system:registered', 'system', 'registered', 'advanced', NULL, $3, $4, $5)`,
        [randomUUID(), contractId, start.state.status, now.toISOString(), JSON.stringify({ signers: emails })],
      );
      emitted = await appendToOutbox(
        em,
        [
          {
            type: 'ContractRegistered',
            data: { customerId: command.customerId, provider: command.provider, envelopeId: command.envelopeId },
          },
          ...start.effects,
        ],
        {
          aggregateType: 'contract',
          aggregateId: contractId,
          correlationId: contractId,
          causationId: contractId,
          occurredAt: now,
        },
      );
    });
    await this.relay.dispatchOrLeaveForSweeper(emitted);
    return contractId;
  }

  /** Exactly one of lines or a plan of the catalogue; the plan is resolved into lines when the invoice is issued. */
  private validBilling(billing: BillingRequest | undefined): ContractBilling | null {
    if (!billing) return null;
    const { lines, plan } = billing;
    if ((lines === undefined) === (plan === undefined)) {
      throw new ContractsError('CONTRACT.INVALID', 'billing needs exactly one of lines or plan', { field: 'billing' });
    }
    // Own keys only: `constructor` or `__proto__` must not count as plans.
    if (plan !== undefined && !Object.hasOwn(this.config.billing.plans, plan)) {
      const known = Object.keys(this.config.billing.plans).join(', ') || 'none';
      throw new ContractsError('CONTRACT.INVALID', `Unknown plan "${plan}" (the catalogue has ${known})`, {
        field: 'billing.plan',
      });
    }
    const what = lines !== undefined ? { lines } : { plan: plan as string };
    return billing.party ? { ...what, party: billing.party } : what;
  }
}

/**
 * The customer must exist; and since an invoice carries the customer's postal address (Directive 2006/112/EC art.
 * 226(5)) and issued invoices never change, a contract that bills must have one on file, from its customer or its
 * `billing.party`.
 */
export async function requireBillableCustomer(
  db: RawQueryable,
  customerId: string,
  billing: ContractBilling | null,
): Promise<void> {
  const customers = (await db.query(`SELECT address IS NOT NULL AS has_address FROM customers WHERE id = $1`, [
    customerId,
  ])) as { has_address: boolean }[];
  if (customers.length === 0) {
    throw new ContractsError('CUSTOMER.NOT_FOUND', `No customer with id ${customerId}`, { field: 'customerId' });
  }
  if (billing === null || customers[0].has_address || billing.party?.address) return;
  throw new ContractsError(
    'CONTRACT.INVALID',
    "The customer has no postal address, which the contract's invoice must carry: give billing.party.address",
    { field: 'billing.party.address' },
  );
}

const MAX_PARAMS_BYTES = 8 * 1024;

function validProvisioning(actions: { action: string; params?: Record<string, unknown> }[]): ProvisioningActionSpec[] {
  const names = actions.map((a) => a.action);
  if (new Set(names).size !== names.length) {
    throw new ContractsError('CONTRACT.INVALID', 'Each provisioning action may appear once', { field: 'provisioning' });
  }
  return actions.map((a) => {
    const params = a.params ?? {};
    if (JSON.stringify(params).length > MAX_PARAMS_BYTES) {
      throw new ContractsError('CONTRACT.INVALID', `provisioning params of ${a.action} exceed 8 KB`, {
        field: 'provisioning',
      });
    }
    return { action: a.action, params };
  });
}
