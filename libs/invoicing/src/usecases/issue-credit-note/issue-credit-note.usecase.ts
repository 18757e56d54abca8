import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { APP_CONFIG, IDEMPOTENCY_ERRORS, idempotencyDigest, type AppConfig, type IdempotencyScope } from '@app/common';
import { OutboxRelay, writeWithEvents, type OutboxRef } from '@app/event-bus';
import type { DataSource } from 'typeorm';
import { InvoicingError } from '../../invoicing.errors';
import { computeInvoiceTotals, formatCents, type InvoiceLineInput } from '../../money/invoice-totals';
import { INVOICE_COLUMNS, type InvoiceRow } from '../shared/invoice-row';
import { invoiceTimelineEntry, lockInvoiceChain, numberInvoice } from '../shared/record-invoice';

export interface IssueCreditNoteCommand {
  invoiceId: string;
  reason: string;
  /** What to credit, as positive quantities and prices; unset: the whole invoice. */
  lines?: InvoiceLineInput[];
  /** The request's Idempotency-Key, if it sent one: a retry finds the note this request issued. */
  idempotency?: IdempotencyScope;
}

/**
 * A credit note (factura rectificativa, RD 1619/2012 art. 15): a new document in the credit-note series naming
 * the invoice it corrects, with negative amounts, chained like every other record. The original never changes.
 * Per VAT rate, what has been credited so far plus this note may not exceed the invoice's base (409).
 */
@Injectable()
export class IssueCreditNoteUseCase {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly relay: OutboxRelay,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async execute(command: IssueCreditNoteCommand): Promise<string> {
    const requestId = randomUUID();
    const requestKey = command.idempotency ? idempotencyDigest(command.idempotency) : undefined;
    let emitted: OutboxRef[] = [];
    const id = await this.dataSource.transaction(async (em) => {
      const originals: InvoiceRow[] = await em.query(`SELECT ${INVOICE_COLUMNS} FROM invoices i WHERE i.id = $1`, [
        command.invoiceId,
      ]);
      const original = originals[0];
      if (!original) throw new InvoicingError('INVOICE.NOT_FOUND', `No invoice with id ${command.invoiceId}`);
      if (original.kind !== 'invoice') {
        throw new InvoicingError(
          'INVOICE.NOT_CREDITABLE',
          `${original.full_number} is a credit note; credit the invoice`,
        );
      }
      await lockInvoiceChain(em, original.issuer_tax_id);
      // Under the chain's lock: a retry of this request (its stored answer lost to a crash) finds its note.
      if (requestKey) {
        const issued: { id: string; corrects_invoice_id: string }[] = await em.query(
          `SELECT id, corrects_invoice_id FROM invoices WHERE request_key = $1`,
          [requestKey],
        );
        if (issued[0]?.corrects_invoice_id === original.id) return issued[0].id;
        if (issued[0]) {
          throw new InvoicingError(
            IDEMPOTENCY_ERRORS.KEY_REUSED,
            'This Idempotency-Key already issued a credit note for another invoice; use a new key for a new request',
          );
        }
      }

      const requested = (command.lines ?? original.lines).map((l) => ({
        description: l.description,
        quantity: -Math.abs(l.quantity),
        unitPriceCents: Math.abs(l.unitPriceCents),
        vatRate: l.vatRate,
      }));
      const credit = computeInvoiceTotals(requested);
      const earlier: { tax_breakdown: InvoiceRow['tax_breakdown'] }[] = await em.query(
        `SELECT tax_breakdown FROM invoices WHERE corrects_invoice_id = $1`,
        [original.id],
      );
      for (const row of credit.taxBreakdown) {
        const invoiced = original.tax_breakdown.find((r) => r.rate === row.rate)?.baseCents ?? 0;
        const credited = earlier.flatMap((e) => e.tax_breakdown).filter((r) => r.rate === row.rate);
        const remaining = invoiced + credited.reduce((sum, r) => sum + r.baseCents, 0);
        if (-row.baseCents > remaining) {
          throw new InvoicingError(
            'INVOICE.CREDIT_EXCEEDS_REMAINING',
            `${original.full_number}: at ${row.rate} % VAT, ${formatCents(remaining)} ${original.currency} of base ` +
              `remains to credit; this credit note asks for ${formatCents(-row.baseCents)}`,
            { remaining: { rate: row.rate, currency: original.currency, amountCents: remaining } },
          );
        }
      }

      // Nothing left to credit at any rate: the whole invoice is cancelled (provisioning listens for that).
      const cancelsWholeInvoice = original.tax_breakdown.every((row) => {
        const before = earlier
          .flatMap((e) => e.tax_breakdown)
          .filter((r) => r.rate === row.rate)
          .reduce((sum, r) => sum + r.baseCents, 0);
        const now = credit.taxBreakdown.find((r) => r.rate === row.rate)?.baseCents ?? 0;
        return row.baseCents + before + now === 0;
      });
      const note = await numberInvoice(em, {
        kind: 'credit_note',
        series: this.config.invoicing.creditNoteSeries,
        contractId: original.contract_id,
        customerId: original.customer_id,
        correctsInvoiceId: original.id,
        creditReason: command.reason,
        currency: original.currency,
        seller: original.seller,
        buyer: original.buyer,
        lines: requested,
        requestKey,
      });
      // The note, its timeline entry and its event: one statement.
      emitted = await writeWithEvents(
        em,
        {
          note: note.insert,
          timeline: invoiceTimelineEntry({
            contractId: original.contract_id,
            eventKey: `system:credit-note-issued:${note.id}`,
            type: 'credit_note_issued',
            detail: { invoiceId: note.id, number: note.number, correctsNumber: original.full_number },
          }),
        },
        {
          drafts: [
            {
              type: 'CreditNoteIssued',
              data: {
                invoiceId: note.id,
                contractId: original.contract_id,
                number: note.number,
                correctsInvoiceId: original.id,
                correctsNumber: original.full_number,
                totalCents: note.totalCents,
                currency: note.currency,
                reason: command.reason,
                cancelsWholeInvoice,
              },
            },
          ],
          context: {
            aggregateType: 'invoice',
            aggregateId: note.id,
            correlationId: requestId,
            causationId: requestId,
            occurredAt: new Date(),
          },
        },
      );
      return note.id;
    });
    await this.relay.dispatchOrLeaveForSweeper(emitted);
    return id;
  }
}
