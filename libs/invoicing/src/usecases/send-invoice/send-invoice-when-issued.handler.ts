import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@app/common';
import { causedBy, JobRegistry, writeWithEvents, type DomainEvent, type SubscriberResult } from '@app/event-bus';
import type { EntityManager } from 'typeorm';
import { InvoiceMailer } from '../../mail/invoice-mailer';
import { formatCents } from '../../money/invoice-totals';
import { renderInvoicePdf } from '../../pdf/render-invoice-pdf';
import { INVOICE_COLUMNS, type InvoiceRow } from '../shared/invoice-row';
import { invoiceTimelineEntry } from '../shared/record-invoice';

/**
 * On `InvoiceIssued` / `CreditNoteIssued`: renders the PDF, mails it to the customer, marks the invoice sent and
 * reports `InvoiceSent`, in one transaction holding the invoice's row. A failed send throws: the transaction
 * (and the receipt) roll back and the queue retries; nothing is ever re-issued or renumbered here. A crash after
 * the mail left but before the commit sends it again on retry, with the same Message-ID (`<invoice id@signbridge>`)
 * and, without SMTP, onto the same .eml file.
 */
@Injectable()
export class SendInvoiceWhenIssuedHandler implements OnModuleInit {
  private readonly logger = new Logger('Invoicing');

  constructor(
    private readonly registry: JobRegistry,
    private readonly mailer: InvoiceMailer,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.registry.registerSubscriber('invoicing.send-invoice', (event, em) => this.handle(event, em));
  }

  async handle(event: DomainEvent, em: EntityManager): Promise<SubscriberResult> {
    if (event.type !== 'InvoiceIssued' && event.type !== 'CreditNoteIssued') return { outcome: 'skipped', emitted: [] };
    if (this.config.faultInjection === 'crash-after-invoice-issued') {
      // Test hook: die with the invoice issued and numbered but not yet mailed.
      process.kill(process.pid, 'SIGKILL');
    }
    const rows: InvoiceRow[] = await em.query(
      `SELECT ${INVOICE_COLUMNS} FROM invoices i WHERE i.id = $1 FOR UPDATE OF i`,
      [event.aggregateId],
    );
    const invoice = rows[0];
    if (!invoice || invoice.status === 'sent') return { outcome: 'skipped', emitted: [] };

    const pdf = await renderInvoicePdf(invoice);
    const messageId = `<${invoice.id}@signbridge>`;
    const label = invoice.kind === 'invoice' ? 'Invoice' : 'Credit note';
    await this.mailer.send({
      to: invoice.buyer.email,
      subject: `${label} ${invoice.full_number} from ${invoice.seller.name}`,
      text:
        `Dear ${invoice.buyer.name},\n\nattached is ${label.toLowerCase()} ${invoice.full_number} of ${invoice.issue_date}, ` +
        `total ${formatCents(invoice.total_cents)} ${invoice.currency}.\n\n${invoice.seller.name}\n`,
      messageId,
      attachment: { filename: `${invoice.full_number}.pdf`, content: Buffer.from(pdf) },
      emlName: invoice.full_number,
    });
    // Marked sent, on the timeline, and reported: one statement.
    const emitted = await writeWithEvents(
      em,
      {
        sent: { text: `UPDATE invoices SET status = 'sent', sent_at = now() WHERE id = $1`, values: [invoice.id] },
        timeline: invoiceTimelineEntry({
          contractId: invoice.contract_id,
          eventKey: `system:invoice-sent:${event.id}`,
          type: 'invoice_sent',
          detail: { invoiceId: invoice.id, number: invoice.full_number, transport: this.mailer.kind },
        }),
      },
      {
        drafts: [
          {
            type: 'InvoiceSent',
            data: {
              invoiceId: invoice.id,
              contractId: invoice.contract_id,
              number: invoice.full_number,
              messageId,
              transport: this.mailer.kind,
            },
          },
        ],
        context: causedBy(event, 'invoice', invoice.id),
      },
    );
    this.logger.log(`${label.toLowerCase()} ${invoice.full_number} sent (${this.mailer.kind})`);
    return { outcome: 'done', emitted };
  }
}
