import { backlogGauges } from '@app/common';
import { OPEN_SQL } from './reconciliation/contract-reconciler';

/** The contracts' part of `/metrics`: held ones staff must look at, and the reconciler's work. */
export const ContractsMetrics = backlogGauges(
  'contracts',
  `SELECT (SELECT count(*) FROM contracts WHERE status = 'on_hold') AS on_hold,
        (SELECT count(*) FROM contracts WHERE status IN ${OPEN_SQL}) AS waiting,
        (SELECT count(*) FROM contracts WHERE status IN ${OPEN_SQL} AND reconcile_due_at < now() - interval '5 minutes')
          AS overdue`,
  {
    on_hold: ['signbridge_contracts_on_hold', 'Signed contracts the activation gate held (release through the API)'],
    waiting: [
      'signbridge_contracts_waiting_for_platform',
      'Contracts sent and not yet signed by everyone, declined, voided or expired',
    ],
    overdue: [
      'signbridge_reconcile_overdue_contracts',
      'Contracts whose reconciliation is over 5 minutes late (is a worker running?)',
    ],
  },
);
