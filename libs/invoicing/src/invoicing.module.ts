import { Module } from '@nestjs/common';
import { InvoicesController } from './api/invoices.controller';
import { InvoicesQueries } from './api/invoices.queries';
import { InvoicingMetrics } from './invoicing.metrics';
import { InvoiceMailer } from './mail/invoice-mailer';
import { IssueCreditNoteUseCase } from './usecases/issue-credit-note/issue-credit-note.usecase';
import { IssueInvoiceWhenContractActivatedHandler } from './usecases/issue-first-invoice/issue-invoice-when-contract-activated.handler';
import { SendInvoiceWhenIssuedHandler } from './usecases/send-invoice/send-invoice-when-issued.handler';

/** First invoice on `ContractActivated`, mailing on `InvoiceIssued`, credit notes, and the invoices API. */
@Module({
  controllers: [InvoicesController],
  providers: [
    InvoicesQueries,
    InvoiceMailer,
    InvoicingMetrics,
    IssueCreditNoteUseCase,
    IssueInvoiceWhenContractActivatedHandler,
    SendInvoiceWhenIssuedHandler,
  ],
})
export class InvoicingModule {}
