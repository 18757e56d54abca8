import { backlogGauges } from '@app/common';

/**
 * The contracts' part of `/metrics`: the reconciler's backlog. Counts by status (on hold, waiting) are left out on
 * purpose: they would need an index on `status`, which would make every lifecycle UPDATE a non-HOT one.
 */
export const ContractsMetrics = backlogGauges(
  'contracts',
  `SELECT count(*) AS overdue FROM contracts WHERE reconcile_due_at < now() - interval '5 minutes'`,
  {
    overdue: [
      'signbridge_reconcile_overdue_contracts',
      'Contracts the reconciler should have looked at over 5 minutes ago (is a worker sweeping?)',
    ],
  },
);
