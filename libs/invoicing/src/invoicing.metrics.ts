import { backlogGauges } from '@app/common';

/** Invoicing's part of `/metrics`: invoices issued and not yet mailed. */
export const InvoicingMetrics = backlogGauges(
  'invoicing',
  `SELECT (SELECT count(*) FROM invoices WHERE status = 'issued') AS unsent,
        (SELECT extract(epoch FROM now() - min(created_at)) FROM invoices WHERE status = 'issued') AS oldest`,
  {
    unsent: ['signbridge_invoices_unsent', 'Invoices and credit notes issued, not yet mailed to the customer'],
    oldest: ['signbridge_invoices_unsent_oldest_seconds', 'Age of the oldest of them (0: none)'],
  },
);
