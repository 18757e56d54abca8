import { Injectable, type Type } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { MetricsRegistry, sqlGauges, type GaugeColumns } from './metrics.registry';

/**
 * A module's part of `/metrics` as a provider to list in the module: one query returning one row, its columns read
 * as gauges (`sqlGauges`), registered under `name` when the module starts.
 */
export function backlogGauges(name: string, sql: string, columns: GaugeColumns): Type<unknown> {
  @Injectable()
  class BacklogGauges {
    constructor(metrics: MetricsRegistry, @InjectDataSource() db: DataSource) {
      metrics.register(name, sqlGauges(db, sql, columns));
    }
  }
  // A name of its own per module, for Nest's errors and the debugger: `inbox` → `InboxGauges`.
  const className = `${name.replace(/(^|-)(\w)/g, (_, _dash: string, c: string) => c.toUpperCase())}Gauges`;
  Object.defineProperty(BacklogGauges, 'name', { value: className });
  return BacklogGauges;
}
