import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import {
  api,
  eventually,
  postWebhook,
  signedDelivery,
  startTestApp,
  TEST_ADMIN_KEY,
  type TestApp,
} from '../support/test-app';
import { connectTestDatabase } from '../support/test-db';

/** Every line of the Prometheus text format: a comment, or `name{labels} value`. */
const LINE =
  /^(# (HELP|TYPE) [a-z_]+ .*|[a-z_]+(\{[a-z_]+="(?:[^"\\]|\\.)*"(,[a-z_]+="(?:[^"\\]|\\.)*")*\})? (-?[0-9.e+-]+|NaN|[+-]Inf))$/;

/** `/metrics`: what operations staff watch, read from the real database. */
describe('GET /metrics', () => {
  let app: TestApp;
  let db: DataSource;

  beforeAll(async () => {
    app = await startTestApp();
    db = await connectTestDatabase();
  });
  afterAll(async () => {
    await app.close();
    await db.destroy();
  });

  async function scrape(key = TEST_ADMIN_KEY): Promise<{ status: number; type: string | null; text: string }> {
    const response = await fetch(`${app.url}/metrics`, { headers: { authorization: `Bearer ${key}` } });
    return { status: response.status, type: response.headers.get('content-type'), text: await response.text() };
  }

  function value(text: string, series: string): number {
    const line = text.split('\n').find((l) => l.startsWith(`${series} `));
    if (!line) throw new Error(`${series} is not in the scrape`);
    return Number(line.slice(series.length + 1));
  }

  it('answers in the Prometheus text format, every collector up, every backlog present', async () => {
    const { status, type, text } = await scrape();
    expect(status).toBe(200);
    expect(type).toMatch(/^text\/plain; version=0\.0\.4/);
    const lines = text.trimEnd().split('\n');
    expect(lines.filter((l) => !LINE.test(l))).toEqual([]);
    for (const collector of [
      'process',
      'inbox',
      'outbox',
      'audit-log',
      'contracts',
      'invoicing',
      'provisioning',
      'erp-notifications',
    ]) {
      expect(value(text, `signbridge_metrics_collector_up{collector="${collector}"}`)).toBe(1);
    }
    for (const series of [
      'signbridge_inbound_events{status="failed"}',
      'signbridge_outbox_events{state="undispatched"}',
      'signbridge_audit_backlog_events',
      'signbridge_invoices_unsent',
      'signbridge_provisioning_orders{status="failed"}',
      'signbridge_webhook_deliveries{status="dead"}',
      'signbridge_webhook_deliveries_held',
      'signbridge_webhook_deliveries_paced',
      'signbridge_reconcile_overdue_contracts',
    ]) {
      expect(value(text, series)).toBeGreaterThanOrEqual(0);
    }
  });

  it('counts a webhook for an envelope no contract has as parked', async () => {
    const before = value((await scrape()).text, 'signbridge_inbound_events{status="parked"}');
    const envelopeId = `env_metrics_${randomUUID()}`;
    const delivery = signedDelivery({
      type: 'envelope.opened',
      timestamp: new Date().toISOString(),
      data: { envelope_id: envelopeId },
    });
    expect((await postWebhook(app.url, delivery)).status).toBe(200);
    await eventually(async () => {
      const rows: { status: string }[] = await db.query(`SELECT status FROM inbound_events WHERE envelope_id = $1`, [
        envelopeId,
      ]);
      return rows[0]?.status === 'parked' ? true : undefined;
    });
    expect(value((await scrape()).text, 'signbridge_inbound_events{status="parked"}')).toBeGreaterThanOrEqual(
      before + 1,
    );
  });

  it('needs a staff key', async () => {
    expect((await scrape('sb_not_a_key_at_all_0000000000000000000000000')).status).toBe(401);
    const erp = await api<{ key: string }>(app.url, 'POST', '/api/v1/api-keys', {
      name: 'metrics test',
      scopes: ['erp'],
    });
    expect((await scrape(erp.body.key)).status).toBe(403);
    const staff = await api<{ key: string }>(app.url, 'POST', '/api/v1/api-keys', {
      name: 'prometheus',
      scopes: ['staff'],
    });
    expect((await scrape(staff.body.key)).status).toBe(200);
  });
});
