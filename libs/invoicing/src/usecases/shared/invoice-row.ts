import type { PostalAddress } from '@app/domain';
import type { InvoiceLine, TaxBreakdownRow } from '../../money/invoice-totals';

export type InvoiceKind = 'invoice' | 'credit_note';
export type InvoiceStatus = 'issued' | 'sent';

export interface InvoiceSeller {
  name: string;
  taxId: string;
  address: string;
}

export interface InvoiceParty {
  name: string;
  taxId: string | null;
  address: PostalAddress | null;
  email: string;
}

/** An `invoices` row as `INVOICE_COLUMNS` selects it: dates as text, bigints as numbers. */
export interface InvoiceRow {
  id: string;
  kind: InvoiceKind;
  series: string;
  year: number;
  number: number;
  full_number: string;
  contract_id: string;
  customer_id: string;
  corrects_invoice_id: string | null;
  corrects_number: string | null;
  credit_reason: string | null;
  issue_date: string;
  currency: string;
  seller: InvoiceSeller;
  buyer: InvoiceParty;
  lines: InvoiceLine[];
  tax_breakdown: TaxBreakdownRow[];
  total_base_cents: number;
  total_vat_cents: number;
  total_cents: number;
  rounding_rule: string;
  issuer_tax_id: string;
  chain_position: number;
  fingerprint: string;
  previous_fingerprint: string | null;
  fingerprint_generated_at: string;
  status: InvoiceStatus;
  sent_at: Date | null;
  created_at: Date;
}

/** For `SELECT ${INVOICE_COLUMNS} FROM invoices i`: the row above, with the corrected invoice's number. */
export const INVOICE_COLUMNS = `
  i.id, i.kind, i.series, i.year, i.number, i.full_number, i.contract_id, i.customer_id, i.corrects_invoice_id,
  (SELECT c.full_number FROM invoices c WHERE c.id = i.corrects_invoice_id) AS corrects_number, i.credit_reason,
  to_char(i.issue_date, 'YYYY-MM-DD') AS issue_date, i.currency, i.seller, i.buyer, i.lines, i.tax_breakdown,
  i.total_base_cents::float8 AS total_base_cents, i.total_vat_cents::float8 AS total_vat_cents,
  i.total_cents::float8 AS total_cents, i.rounding_rule, i.issuer_tax_id, i.chain_position::float8 AS chain_position,
  i.fingerprint, i.previous_fingerprint, i.fingerprint_generated_at, i.status, i.sent_at, i.created_at`;
