import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { MetricsRegistry, sqlGauges } from '@app/common';
import type { DataSource } from 'typeorm';

/** Invoicing's part of `/metrics`: invoices issued and not yet mailed. */
@Injectable()
export class InvoicingMetrics {
  constructor(metrics: MetricsRegistry, @InjectDataSource() db: DataSource) {
    metrics.register(
      'invoicing',
      sqlGauges(
        db,
        `SELECT (SELECT count(*) FROM invoices WHERE status = 'issued') AS unsent,
                (SELECT extract(epoch FROM now() - min(created_at)) FROM invoices WHERE status = 'issued') AS oldest`,
        {
          unsent: ['signbridge_invoices_unsent', 'Invoices and credit notes issued, not yet mailed to the customer'],
          oldest: ['signbridge_invoices_unsent_oldest_seconds', 'Age of the oldest of them (0: none)'],
        },
      ),
    );
  }
}
