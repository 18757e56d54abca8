import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@app/common';
import type { BillingParty, ContractBilling, PostalAddress } from '@app/domain';
import { causedBy, JobRegistry, writeWithEvents, type DomainEvent, type SubscriberResult } from '@app/event-bus';
import type { EntityManager } from 'typeorm';
import { InvoicingError } from '../../invoicing.errors';
import type { InvoiceLineInput } from '../../money/invoice-totals';
import type { InvoiceParty } from '../shared/invoice-row';
import { invoiceChainLockKey, invoiceTimelineEntry, numberInvoice } from '../shared/record-invoice';

interface ActivatedContract {
  id: string;
  customer_id: string;
  currency: string;
  billing: ContractBilling | null;
}

interface Buyer {
  name: string;
  email: string;
  tax_id: string | null;
  address: PostalAddress | null;
}

/**
 * On `ContractActivated`: the contract's first invoice, exactly once (the subscriber receipt, and the partial
 * unique index on `contract_id` behind it), numbered in the invoice series and chained into the issuer's VeriFactu
 * chain, all in the subscriber's one transaction. A contract without billing gets none (skipped).
 */
@Injectable()
export class IssueInvoiceWhenContractActivatedHandler implements OnModuleInit {
  private readonly logger = new Logger('Invoicing');

  constructor(
    private readonly registry: JobRegistry,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    // Database work only: deliveries waiting together share a transaction. Last in it: it takes the chain's lock.
    this.registry.registerSubscriber('invoicing.issue-first-invoice', (event, em) => this.handle(event, em), {
      batched: true,
      lastInBatch: true,
    });
  }

  async handle(event: DomainEvent, em: EntityManager): Promise<SubscriberResult> {
    if (event.type !== 'ContractActivated') return { outcome: 'skipped', emitted: [] };
    const { seller, invoiceSeries } = this.config.invoicing;
    // "Already invoiced?" is read before the chain's lock: only this event's delivery can issue the contract's first
    // invoice, and its receipt lets one run at a time; the partial unique index on invoices (one first invoice per
    // contract) would fail a second one's transaction, which its retry then finds here, invoiced. The same statement
    // then takes the chain's lock, only when there is an invoice to issue (a CASE evaluates only the branch taken),
    // so that numbering, in the next statement, sees every link committed before it.
    const contracts: (ActivatedContract & { buyer: Buyer; invoiced: boolean })[] = await em.query(
      `SELECT k.id, k.customer_id, k.currency, k.billing, i.invoiced,
              json_build_object('name', c.name, 'email', c.email, 'tax_id', c.tax_id, 'address', c.address) AS buyer,
              CASE WHEN k.billing IS NULL OR i.invoiced THEN false
                   ELSE (SELECT true FROM pg_advisory_xact_lock(hashtextextended($2, 0))) END AS chain_locked
         FROM contracts k JOIN customers c ON c.id = k.customer_id,
              LATERAL (SELECT EXISTS (SELECT 1 FROM invoices WHERE contract_id = k.id AND kind = 'invoice') AS invoiced) i
        WHERE k.id = $1`,
      [event.aggregateId, invoiceChainLockKey(seller.taxId)],
    );
    const contract = contracts[0];
    if (!contract?.billing) {
      this.logger.debug(`contract ${event.aggregateId}: nothing to bill, no invoice`);
      return { outcome: 'skipped', emitted: [] };
    }
    if (contract.invoiced) return { outcome: 'skipped', emitted: [] };
    const lines = this.resolveLines(contract.billing);
    const buyer = billedParty(contract.buyer, contract.billing.party);

    const invoice = await numberInvoice(em, {
      kind: 'invoice',
      series: invoiceSeries,
      contractId: contract.id,
      customerId: contract.customer_id,
      currency: contract.currency,
      seller,
      buyer,
      lines,
    });
    // The invoice, its timeline entry and its event: one statement.
    const emitted = await writeWithEvents(
      em,
      {
        invoice: invoice.insert,
        timeline: invoiceTimelineEntry({
          contractId: contract.id,
          eventKey: `system:invoice-issued:${event.id}`,
          type: 'invoice_issued',
          detail: {
            invoiceId: invoice.id,
            number: invoice.number,
            total: { currency: invoice.currency, amountCents: invoice.totalCents },
          },
        }),
      },
      {
        drafts: [
          {
            type: 'InvoiceIssued',
            data: {
              invoiceId: invoice.id,
              contractId: contract.id,
              number: invoice.number,
              totalCents: invoice.totalCents,
              currency: invoice.currency,
            },
          },
        ],
        context: causedBy(event, 'invoice', invoice.id),
      },
    );
    this.logger.log(`contract ${contract.id}: invoice ${invoice.number} issued`);
    return { outcome: 'done', emitted };
  }

  /** A plan of the catalogue becomes one line; it was checked at registration, but the catalogue may have changed. */
  private resolveLines(billing: ContractBilling): InvoiceLineInput[] {
    if ('lines' in billing) return billing.lines;
    const plan = Object.hasOwn(this.config.billing.plans, billing.plan)
      ? this.config.billing.plans[billing.plan]
      : undefined;
    if (!plan) {
      // Thrown, not skipped: an invoice is owed, and the failed job stays visible until the catalogue is fixed.
      throw new InvoicingError('INVOICE.INVALID', `Plan "${billing.plan}" is not in the catalogue (BILLING_PLANS)`);
    }
    return [{ description: plan.description, quantity: 1, unitPriceCents: plan.unitPriceCents, vatRate: plan.vatRate }];
  }
}

/** The customer as the invoice names it: each part the contract's `billing.party` gives replaces the customer's. */
function billedParty(customer: Buyer, party: BillingParty | undefined): InvoiceParty {
  return {
    name: party?.name ?? customer.name,
    taxId: party?.taxId ?? customer.tax_id,
    address: party?.address ?? customer.address,
    email: party?.email ?? customer.email,
  };
}
