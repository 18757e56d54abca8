import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { Injectable, OnModuleDestroy } from '@nestjs/common';
import type { RawQueryable } from '../database';

/** One gauge and its current values, one per label set. */
export interface Gauge {
  /** Prometheus name: `[a-z_]+`, `signbridge_` first for SignBridge's own. */
  name: string;
  help: string;
  samples: { labels?: Record<string, string>; value: number }[];
}

/** Reads the current values of some gauges: typically one query of a module's backlog. */
export type GaugeCollector = () => Promise<Gauge[]>;

const COLLECTOR_TIMEOUT_MS = 5_000;

/**
 * What operations staff watch (README "Watching it run"): modules register the backlogs and dead letters they own,
 * read when `/metrics` is scraped, in the Prometheus text format. A collector that fails or is slow is reported
 * as down (`signbridge_metrics_collector_up 0`), never failing the others.
 */
@Injectable()
export class MetricsRegistry implements OnModuleDestroy {
  private readonly collectors = new Map<string, GaugeCollector>();
  private readonly eventLoopDelay: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 });

  constructor() {
    this.eventLoopDelay.enable();
    this.register('process', () => Promise.resolve(this.processGauges()));
  }

  register(name: string, collect: GaugeCollector): void {
    if (this.collectors.has(name)) throw new Error(`Metrics collector "${name}" registered twice`);
    this.collectors.set(name, collect);
  }

  async render(): Promise<string> {
    const results = await Promise.all(
      [...this.collectors].map(async ([name, collect]) => ({ name, gauges: await withTimeout(collect()) })),
    );
    const gauges: Gauge[] = results.flatMap((r) => r.gauges ?? []);
    gauges.push({
      name: 'signbridge_metrics_collector_up',
      help: 'Whether each collector answered within 5 s (0: its gauges are missing from this scrape)',
      samples: results.map((r) => ({ labels: { collector: r.name }, value: r.gauges ? 1 : 0 })),
    });
    return gauges.map(format).join('');
  }

  onModuleDestroy(): void {
    this.eventLoopDelay.disable();
  }

  private processGauges(): Gauge[] {
    const memory = process.memoryUsage();
    // Since the previous scrape: a stall shows once, at the scrape after it.
    const p99 = this.eventLoopDelay.percentile(99) / 1e9;
    const max = this.eventLoopDelay.max / 1e9;
    this.eventLoopDelay.reset();
    return [
      { name: 'process_resident_memory_bytes', help: 'Resident memory', samples: [{ value: memory.rss }] },
      { name: 'nodejs_heap_used_bytes', help: 'V8 heap in use', samples: [{ value: memory.heapUsed }] },
      {
        name: 'nodejs_eventloop_delay_seconds',
        help: 'Event loop delay since the previous scrape',
        samples: [
          { labels: { quantile: '0.99' }, value: p99 },
          { labels: { quantile: '1' }, value: max },
        ],
      },
      {
        name: 'process_uptime_seconds',
        help: 'Seconds since this process started',
        samples: [{ value: process.uptime() }],
      },
    ];
  }
}

/** The Prometheus text exposition format (version 0.0.4) of one gauge. */
export function format(gauge: Gauge): string {
  const lines = [
    `# HELP ${gauge.name} ${gauge.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`,
    `# TYPE ${gauge.name} gauge`,
  ];
  for (const sample of gauge.samples) {
    const labels = Object.entries(sample.labels ?? {});
    const labelText =
      labels.length === 0
        ? ''
        : `{${labels.map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')}"`).join(',')}}`;
    lines.push(`${gauge.name}${labelText} ${formatValue(sample.value)}`);
  }
  return `${lines.join('\n')}\n`;
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

async function withTimeout(collecting: Promise<Gauge[]>): Promise<Gauge[] | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), COLLECTOR_TIMEOUT_MS);
  });
  try {
    return await Promise.race([collecting.catch(() => undefined), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A backlog query's columns as gauges: `column → [gauge name, help, labels?]`; columns sharing a name are its label sets. */
export type GaugeColumns = Record<string, [name: string, help: string, labels?: Record<string, string>]>;

/**
 * A collector of one query returning one row: each column a number (or null when there are no such rows: 0). The
 * way modules report their backlogs and dead letters.
 */
export function sqlGauges(db: RawQueryable, sql: string, columns: GaugeColumns): GaugeCollector {
  return async () => {
    const rows = (await db.query(sql)) as Record<string, number | string | null>[];
    return gaugesFromRow(rows[0] ?? {}, columns);
  };
}

export function gaugesFromRow(row: Record<string, number | string | null>, columns: GaugeColumns): Gauge[] {
  const byName = new Map<string, Gauge>();
  for (const [column, [name, help, labels]] of Object.entries(columns)) {
    const gauge = byName.get(name) ?? { name, help, samples: [] };
    const raw = row[column];
    gauge.samples.push({ ...(labels ? { labels } : {}), value: raw === null || raw === undefined ? 0 : Number(raw) });
    byName.set(name, gauge);
  }
  return [...byName.values()];
}
