import { format, gaugesFromRow, MetricsRegistry } from './metrics.registry';

describe('metrics', () => {
  it('writes a gauge in the Prometheus text format, escaping label values and help', () => {
    expect(
      format({
        name: 'signbridge_things',
        help: 'Things\nby kind',
        samples: [
          { labels: { kind: 'a "quoted"\\path' }, value: 3 },
          { value: 0.25 },
          { labels: { kind: 'none' }, value: Number.NaN },
        ],
      }),
    ).toBe(
      '# HELP signbridge_things Things\\nby kind\n' +
        '# TYPE signbridge_things gauge\n' +
        'signbridge_things{kind="a \\"quoted\\"\\\\path"} 3\n' +
        'signbridge_things 0.25\n' +
        'signbridge_things{kind="none"} NaN\n',
    );
  });

  it('reads a row of counts as gauges: shared names become label sets, null is 0, text numbers are numbers', () => {
    const gauges = gaugesFromRow(
      { failed: '2', parked: null, oldest: 12.5 },
      {
        failed: ['signbridge_events', 'Events', { status: 'failed' }],
        parked: ['signbridge_events', '', { status: 'parked' }],
        oldest: ['signbridge_events_oldest_seconds', 'Oldest'],
      },
    );
    expect(gauges).toEqual([
      {
        name: 'signbridge_events',
        help: 'Events',
        samples: [
          { labels: { status: 'failed' }, value: 2 },
          { labels: { status: 'parked' }, value: 0 },
        ],
      },
      { name: 'signbridge_events_oldest_seconds', help: 'Oldest', samples: [{ value: 12.5 }] },
    ]);
  });

  it('reports a failing collector as down and still renders the others', async () => {
    const registry = new MetricsRegistry();
    try {
      registry.register('good', () =>
        Promise.resolve([{ name: 'signbridge_good', help: 'Good', samples: [{ value: 1 }] }]),
      );
      registry.register('broken', () => Promise.reject(new Error('database down')));
      const text = await registry.render();
      expect(text).toContain('signbridge_good 1\n');
      expect(text).toContain('signbridge_metrics_collector_up{collector="good"} 1\n');
      expect(text).toContain('signbridge_metrics_collector_up{collector="broken"} 0\n');
      expect(text).toContain('signbridge_metrics_collector_up{collector="process"} 1\n');
      expect(text).toMatch(/^process_resident_memory_bytes \d+$/m);
      expect(() => registry.register('good', () => Promise.resolve([]))).toThrow(/registered twice/);
    } finally {
      registry.onModuleDestroy();
    }
  });
});
