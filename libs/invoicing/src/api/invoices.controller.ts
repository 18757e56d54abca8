import {
  Body,
  Controller,
  Get,
  Header,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Post,
  Query,
  StreamableFile,
} from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import { Idempotent, RequestIdempotency, RequireScope, type IdempotencyScope } from '@app/common';
import { renderInvoicePdf } from '../pdf/render-invoice-pdf';
import { IssueCreditNoteUseCase } from '../usecases/issue-credit-note/issue-credit-note.usecase';
import {
  InvoiceChainBrokenView,
  InvoiceChainValidView,
  CreateCreditNoteDto,
  INVOICE_MODELS,
  InvoicePage,
  InvoiceView,
  ListInvoicesQueryDto,
  toInvoiceView,
} from './invoice.dto';
import { InvoicesQueries } from './invoices.queries';

@ApiTags('invoices')
@RequireScope('erp')
@INVOICE_MODELS
@Controller('api/v1/invoices')
export class InvoicesController {
  constructor(
    private readonly queries: InvoicesQueries,
    private readonly issueCreditNote: IssueCreditNoteUseCase,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Invoices and credit notes, oldest first (cursor pagination, filters)' })
  @ApiOkResponse({ type: InvoicePage })
  async list(@Query() query: ListInvoicesQueryDto): Promise<InvoicePage> {
    const page = await this.queries.invoices(query);
    return { items: page.items.map(toInvoiceView), nextCursor: page.nextCursor };
  }

  @Get('verify')
  @RequireScope('staff')
  @ApiOperation({
    summary: 'Recompute the VeriFactu fingerprint chain of the seller (SELLER_TAX_ID)',
    description:
      'Walks every invoice and credit note of the issuer in issue order: positions 1, 2, 3… without gaps, each ' +
      'previousFingerprint is the fingerprint before it, and each fingerprint is SHA-256 (uppercase hex) of ' +
      'IDEmisorFactura=…&NumSerieFactura=…&FechaExpedicionFactura=dd-mm-yyyy&TipoFactura=F1|R1&CuotaTotal=…&' +
      'ImporteTotal=…&Huella=<previous>&FechaHoraHusoGenRegistro=…, recomputed from the stored record. ' +
      'Reports the first record that does not hold. Always 200: a broken chain is an answer, not an error.',
  })
  @ApiOkResponse({
    schema: {
      oneOf: [{ $ref: getSchemaPath(InvoiceChainValidView) }, { $ref: getSchemaPath(InvoiceChainBrokenView) }],
    },
  })
  verify(): Promise<InvoiceChainValidView | InvoiceChainBrokenView> {
    return this.queries.verify();
  }

  @Get(':id')
  @ApiOkResponse({ type: InvoiceView })
  @ApiNotFoundResponse({ description: 'code INVOICE.NOT_FOUND' })
  async get(@Param('id', new ParseUUIDPipe()) id: string): Promise<InvoiceView> {
    return toInvoiceView(await this.queries.invoice(id));
  }

  @Get(':id/pdf')
  @Header('content-type', 'application/pdf')
  @ApiProduces('application/pdf')
  @ApiOkResponse({
    description: 'The invoice as PDF, rendered from the issued record (the same as the one mailed)',
    schema: { type: 'string', format: 'binary' },
  })
  @ApiNotFoundResponse({ description: 'code INVOICE.NOT_FOUND' })
  async pdf(@Param('id', new ParseUUIDPipe()) id: string): Promise<StreamableFile> {
    const invoice = await this.queries.invoice(id);
    return new StreamableFile(Buffer.from(await renderInvoicePdf(invoice)), {
      type: 'application/pdf',
      disposition: `inline; filename="${invoice.full_number}.pdf"`,
    });
  }

  @Post(':id/credit-notes')
  @HttpCode(201)
  @Idempotent()
  @ApiOperation({
    summary: 'Issue a credit note (factura rectificativa) against an invoice',
    description:
      'A new document in the credit-note series (CREDIT_NOTE_SERIES) naming the invoice, with negative amounts, ' +
      'chained like every record; the invoice itself never changes. Without `lines` it cancels the whole invoice. ' +
      'It is mailed to the customer like an invoice.',
  })
  @ApiCreatedResponse({ type: InvoiceView })
  @ApiNotFoundResponse({ description: 'code INVOICE.NOT_FOUND' })
  @ApiConflictResponse({
    description:
      'More than remains to credit at some VAT rate (code INVOICE.CREDIT_EXCEEDS_REMAINING), or the id is a ' +
      'credit note (code INVOICE.NOT_CREDITABLE)',
  })
  async creditNote(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() body: CreateCreditNoteDto,
    @RequestIdempotency() idempotency?: IdempotencyScope,
  ): Promise<InvoiceView> {
    const noteId = await this.issueCreditNote.execute({
      invoiceId: id,
      reason: body.reason,
      lines: body.lines,
      idempotency,
    });
    return toInvoiceView(await this.queries.invoice(noteId));
  }
}
