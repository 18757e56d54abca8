import { backlogGauges } from '@app/common';

/** Provisioning's part of `/metrics`: runs under way, and failed ones staff must retry or close. */
export const ProvisioningMetrics = backlogGauges(
  'provisioning',
  `SELECT (SELECT count(*) FROM provisioning_orders WHERE status = 'pending') AS pending,
        (SELECT count(*) FROM provisioning_orders WHERE status = 'running') AS running,
        (SELECT count(*) FROM provisioning_orders WHERE status = 'failed') AS failed`,
  {
    pending: [
      'signbridge_provisioning_orders',
      'Provisioning runs not succeeded: pending (waiting for a call or a retry), running, failed (a 4xx or out of retries; retry through the API)',
      { status: 'pending' },
    ],
    running: ['signbridge_provisioning_orders', '', { status: 'running' }],
    failed: ['signbridge_provisioning_orders', '', { status: 'failed' }],
  },
);
