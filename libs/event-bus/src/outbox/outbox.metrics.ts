import { backlogGauges } from '@app/common';

/** The outbox's part of `/metrics`: domain events not dispatched yet, and dispatched ones a subscriber still owes. */
export const OutboxMetrics = backlogGauges(
  'outbox',
  `SELECT (SELECT count(*) FROM outbox WHERE dispatched_at IS NULL) AS undispatched,
        (SELECT extract(epoch FROM now() - min(created_at)) FROM outbox WHERE dispatched_at IS NULL) AS undispatched_oldest,
        (SELECT count(*) FROM outbox WHERE settled_at IS NULL AND dispatched_at IS NOT NULL) AS unsettled,
        (SELECT extract(epoch FROM now() - min(dispatched_at)) FROM outbox
          WHERE settled_at IS NULL AND dispatched_at IS NOT NULL) AS unsettled_oldest`,
  {
    undispatched: [
      'signbridge_outbox_events',
      'Domain events not dispatched yet (undispatched), or dispatched with a subscriber still to run (unsettled)',
      { state: 'undispatched' },
    ],
    unsettled: ['signbridge_outbox_events', '', { state: 'unsettled' }],
    undispatched_oldest: [
      'signbridge_outbox_oldest_seconds',
      'Age of the oldest of them (0: none)',
      { state: 'undispatched' },
    ],
    unsettled_oldest: ['signbridge_outbox_oldest_seconds', '', { state: 'unsettled' }],
  },
);
