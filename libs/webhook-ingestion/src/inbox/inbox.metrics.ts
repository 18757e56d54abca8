import { backlogGauges } from '@app/common';

/** The inbox's part of `/metrics`: stored webhooks not applied yet, and the ones staff must look at. */
export const InboxMetrics = backlogGauges(
  'inbox',
  `SELECT (SELECT count(*) FROM inbound_events WHERE status = 'received') AS received,
        (SELECT extract(epoch FROM now() - min(received_at)) FROM inbound_events WHERE status = 'received') AS oldest,
        (SELECT count(*) FROM inbound_events WHERE status = 'failed') AS failed,
        (SELECT count(*) FROM inbound_events WHERE status = 'parked') AS parked`,
  {
    received: [
      'signbridge_inbound_events',
      'Stored webhooks by status: received (not applied yet), failed (out of attempts; replay), parked (no contract for the envelope yet)',
      { status: 'received' },
    ],
    failed: ['signbridge_inbound_events', '', { status: 'failed' }],
    parked: ['signbridge_inbound_events', '', { status: 'parked' }],
    oldest: [
      'signbridge_inbound_events_oldest_received_seconds',
      'Age of the oldest stored webhook not applied yet (0: none)',
    ],
  },
);
