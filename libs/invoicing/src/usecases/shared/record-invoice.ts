import { randomUUID } from 'node:crypto';
import type { SqlStatement } from '@app/common';
import type { EntityManager } from 'typeorm';
import { computeInvoiceTotals, formatCents, ROUNDING_RULE, type InvoiceLineInput } from '../../money/invoice-totals';
import { formatInvoiceNumber } from '../../numbering/invoice-number';
import { altaFingerprint, issueInstant, verifactuDate } from '../../verifactu/verifactu-fingerprint';
import type { InvoiceKind, InvoiceParty, InvoiceSeller } from './invoice-row';

export interface InvoiceDraft {
  kind: InvoiceKind;
  series: string;
  contractId: string;
  customerId: string;
  correctsInvoiceId?: string;
  creditReason?: string;
  currency: string;
  seller: InvoiceSeller;
  buyer: InvoiceParty;
  lines: InvoiceLineInput[];
  /** The API request that asked for it (credit notes), unique: a retried request finds it instead of a second. */
  requestKey?: string;
}

export interface NumberedInvoice {
  id: string;
  number: string;
  totalCents: number;
  currency: string;
  /** The invoice's row: the caller sends it in the same transaction, with its other writes (`oneStatement`). */
  insert: SqlStatement;
}

/**
 * Serialises every issue of one issuer: the VeriFactu chain is per issuer tax id, so the record written under
 * this lock is the only one that can be the next link. Transaction-scoped: released by commit or rollback.
 */
export async function lockInvoiceChain(em: EntityManager, issuerTaxId: string): Promise<void> {
  await em.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [invoiceChainLockKey(issuerTaxId)]);
}

/** The key `lockInvoiceChain` locks, for a statement that takes the lock along with a read of its own. */
export function invoiceChainLockKey(issuerTaxId: string): string {
  return `signbridge:invoice-chain:${issuerTaxId}`;
}

/**
 * Numbers and fingerprints one invoice or credit note, inside the caller's transaction, which must hold
 * `lockInvoiceChain` and must write the returned `insert` before it commits. The number comes from the series
 * counter row (its row lock orders concurrent issuers, and a rollback gives the number back), so numbers are
 * gapless and increasing per series and year. The chain's last link is read in the same statement: after the
 * chain's lock was taken, so it is the last committed one.
 */
export async function numberInvoice(em: EntityManager, draft: InvoiceDraft): Promise<NumberedInvoice> {
  const totals = computeInvoiceTotals(draft.lines);
  // Taken under the lock, so generation times follow the chain's order.
  const instant = issueInstant(new Date());
  const [{ number, fingerprint: previousFingerprint, chain_position }]: {
    number: number;
    fingerprint: string | null;
    chain_position: string | null;
  }[] = await em.query(
    `WITH counter AS (
       INSERT INTO invoice_series_counters (series, year, last_number) VALUES ($1, $2, 1)
       ON CONFLICT (series, year) DO UPDATE SET last_number = invoice_series_counters.last_number + 1
       RETURNING last_number)
     SELECT counter.last_number AS number, previous.fingerprint, previous.chain_position
       FROM counter
       LEFT JOIN (SELECT fingerprint, chain_position FROM invoices WHERE issuer_tax_id = $3
                   ORDER BY chain_position DESC LIMIT 1) previous ON true`,
    [draft.series, instant.year, draft.seller.taxId],
  );
  const fullNumber = formatInvoiceNumber(draft.series, instant.year, number);
  const chainPosition = chain_position === null ? 1 : Number(chain_position) + 1;
  const fingerprint = altaFingerprint({
    issuerTaxId: draft.seller.taxId,
    number: fullNumber,
    issueDate: verifactuDate(instant.date),
    invoiceType: draft.kind === 'invoice' ? 'F1' : 'R1',
    totalVat: formatCents(totals.totalVatCents),
    total: formatCents(totals.totalCents),
    previousFingerprint: previousFingerprint ?? '',
    generatedAt: instant.generatedAt,
  });
  const id = randomUUID();
  const insert: SqlStatement = {
    text: `INSERT INTO invoices (id, kind, series, year, number, full_number, contract_id, customer_id, corrects_invoice_id,
                           credit_reason, issue_date, currency, seller, buyer, lines, tax_breakdown, total_base_cents,
                           total_vat_cents, total_cents, rounding_rule, issuer_tax_id, chain_position, fingerprint,
                           previous_fingerprint, fingerprint_generated_at, request_key, status)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23,
             $24, $25, $26, 'issued')`,
    values: [
      id,
      draft.kind,
      draft.series,
      instant.year,
      number,
      fullNumber,
      draft.contractId,
      draft.customerId,
      draft.correctsInvoiceId ?? null,
      draft.creditReason ?? null,
      instant.date,
      draft.currency,
      JSON.stringify(draft.seller),
      JSON.stringify(draft.buyer),
      JSON.stringify(totals.lines),
      JSON.stringify(totals.taxBreakdown),
      totals.totalBaseCents,
      totals.totalVatCents,
      totals.totalCents,
      ROUNDING_RULE,
      draft.seller.taxId,
      chainPosition,
      fingerprint,
      previousFingerprint,
      instant.generatedAt,
      draft.requestKey ?? null,
    ],
  };
  return { id, number: fullNumber, totalCents: totals.totalCents, currency: draft.currency, insert };
}

/** One system entry on the contract's timeline (status unchanged), once per cause, as a part of a statement. */
export function invoiceTimelineEntry(input: {
  contractId: string;
  eventKey: string;
  type: string;
  detail: Record<string, unknown>;
}): SqlStatement {
  return {
    text: `INSERT INTO contract_timeline (id, contract_id, event_key, kind, type, outcome, status_before, status_after, occurred_at, detail)
           SELECT $1::uuid, id, $3, 'system', $4, 'recorded', status, status, now(), $5::jsonb FROM contracts WHERE id = $2
           ON CONFLICT (contract_id, event_key) DO NOTHING`,
    values: [randomUUID(), input.contractId, input.eventKey, input.type, JSON.stringify(input.detail)],
  };
}
