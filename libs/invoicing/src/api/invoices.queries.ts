import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { APP_CONFIG, paginateRows, type AppConfig, type Page } from '@app/common';
import type { DataSource } from 'typeorm';
import { InvoicingError } from '../invoicing.errors';
import { formatCents } from '../money/invoice-totals';
import { INVOICE_COLUMNS, type InvoiceRow } from '../usecases/shared/invoice-row';
import { altaFingerprint, verifactuDate } from '../verifactu/verifactu-fingerprint';
import type { InvoiceChainBrokenView, InvoiceChainValidView, ListInvoicesQueryDto } from './invoice.dto';

/** Read side of invoicing: what the ERP API shows, and the VeriFactu chain check. */
@Injectable()
export class InvoicesQueries {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async invoice(id: string): Promise<InvoiceRow> {
    const rows: InvoiceRow[] = await this.dataSource.query(
      `SELECT ${INVOICE_COLUMNS} FROM invoices i WHERE i.id = $1`,
      [id],
    );
    if (!rows[0]) throw new InvoicingError('INVOICE.NOT_FOUND', `No invoice with id ${id}`);
    return rows[0];
  }

  /** Keyset over (created_at, id), oldest first, like every list of the API. */
  async invoices(query: ListInvoicesQueryDto): Promise<Page<InvoiceRow>> {
    return paginateRows<InvoiceRow>(
      this.dataSource,
      `SELECT ${INVOICE_COLUMNS} FROM invoices i`,
      'i',
      [
        ['i.customer_id = ?', query.customerId],
        ['i.contract_id = ?', query.contractId],
        ['i.status = ?', query.status],
        ['i.kind = ?', query.kind],
        ['i.issue_date >= ?::date', query.from],
        ['i.issue_date <= ?::date', query.to],
      ],
      query,
    );
  }

  /**
   * Walks the seller's chain from its first record: positions follow each other, each `previous_fingerprint` is
   * the fingerprint before it, and each fingerprint is recomputed from the stored fields. The first that does not
   * hold is named.
   */
  async verify(): Promise<InvoiceChainValidView | InvoiceChainBrokenView> {
    const issuer = this.config.invoicing.seller.taxId;
    let previous: { fingerprint: string; number: string } | undefined;
    let records = 0;
    for (;;) {
      const rows: InvoiceRow[] = await this.dataSource.query(
        `SELECT ${INVOICE_COLUMNS} FROM invoices i WHERE i.issuer_tax_id = $1 AND i.chain_position > $2
          ORDER BY i.chain_position LIMIT 1000`,
        [issuer, records],
      );
      if (rows.length === 0) break;
      for (const row of rows) {
        const broken = (
          reason: InvoiceChainBrokenView['brokenAt']['reason'],
          expected: string | null,
          actual: string | null,
        ) => ({
          valid: false as const,
          recordsChecked: records,
          brokenAt: { number: row.full_number, chainPosition: row.chain_position, reason, expected, actual },
        });
        if (row.chain_position !== records + 1)
          return broken('position_gap', String(records + 1), String(row.chain_position));
        if ((row.previous_fingerprint ?? null) !== (previous?.fingerprint ?? null)) {
          return broken('previous_mismatch', previous?.fingerprint ?? null, row.previous_fingerprint);
        }
        const expected = altaFingerprint({
          issuerTaxId: row.issuer_tax_id,
          number: row.full_number,
          issueDate: verifactuDate(row.issue_date),
          invoiceType: row.kind === 'invoice' ? 'F1' : 'R1',
          totalVat: formatCents(row.total_vat_cents),
          total: formatCents(row.total_cents),
          previousFingerprint: row.previous_fingerprint ?? '',
          generatedAt: row.fingerprint_generated_at,
        });
        if (expected !== row.fingerprint) return broken('fingerprint_mismatch', expected, row.fingerprint);
        previous = { fingerprint: row.fingerprint, number: row.full_number };
        records += 1;
      }
    }
    return { valid: true, issuerTaxId: issuer, records, head: previous ?? null };
  }
}
