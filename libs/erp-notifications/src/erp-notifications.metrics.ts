import { backlogGauges } from '@app/common';

/** The ERP webhooks' part of `/metrics`: events not fanned out yet, deliveries under way or dead, endpoints off. */
export const ErpNotificationsMetrics = backlogGauges(
  'erp-notifications',
  `SELECT (SELECT count(*) FROM outbox WHERE erp_fanout_at IS NULL) AS fanout,
        (SELECT count(*) FROM webhook_deliveries WHERE status = 'pending') AS pending,
        (SELECT count(*) FROM webhook_deliveries WHERE status = 'running') AS running,
        (SELECT count(*) FROM webhook_deliveries WHERE held AND status = 'pending') AS held,
        (SELECT count(*) FROM webhook_deliveries WHERE rate_slot_at IS NOT NULL AND status = 'pending') AS paced,
        (SELECT count(*) FROM webhook_deliveries d WHERE d.status = 'dead'
            AND NOT EXISTS (SELECT 1 FROM webhook_endpoints e WHERE e.id = d.endpoint_id AND e.deleted_at IS NOT NULL))
          AS dead,
        (SELECT extract(epoch FROM now() - min(created_at)) FROM webhook_deliveries
          WHERE status IN ('pending', 'running')) AS oldest,
        (SELECT count(*) FROM webhook_endpoints WHERE status = 'disabled' AND deleted_at IS NULL) AS disabled,
        (SELECT count(*) FROM webhook_endpoints WHERE status = 'enabled' AND circuit_open_until IS NOT NULL)
          AS circuit_open`,
  {
    fanout: ['signbridge_erp_fanout_backlog_events', 'Domain events not yet turned into deliveries'],
    pending: [
      'signbridge_webhook_deliveries',
      'ERP webhook deliveries not delivered: pending (waiting for a call or a retry), running, dead (out of retries; replay)',
      { status: 'pending' },
    ],
    running: ['signbridge_webhook_deliveries', '', { status: 'running' }],
    held: [
      'signbridge_webhook_deliveries_held',
      'Pending deliveries waiting for a free place at an endpoint with a maxInFlight limit',
    ],
    paced: [
      'signbridge_webhook_deliveries_paced',
      'Pending deliveries waiting for the call time they reserved at an endpoint with a maxPerSecond limit',
    ],
    // A deleted endpoint's dead letters cannot be replayed: not counted.
    dead: ['signbridge_webhook_deliveries', '', { status: 'dead' }],
    oldest: [
      'signbridge_webhook_deliveries_oldest_undelivered_seconds',
      'Age of the oldest pending or running delivery (0: none)',
    ],
    circuit_open: [
      'signbridge_webhook_endpoints_circuit_open',
      'Enabled endpoints whose circuit is open: failing, their deliveries held',
    ],
    disabled: ['signbridge_webhook_endpoints_disabled', 'Endpoints disabled (by staff, or by a 410 Gone)'],
  },
);
