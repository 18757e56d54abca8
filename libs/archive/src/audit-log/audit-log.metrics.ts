import { backlogGauges } from '@app/common';

/** The audit log's part of `/metrics`: domain events not in the chain yet, and the chain's length. */
export const AuditLogMetrics = backlogGauges(
  'audit-log',
  `SELECT (SELECT count(*) FROM outbox WHERE audited_at IS NULL) AS backlog,
        (SELECT extract(epoch FROM now() - min(created_at)) FROM outbox WHERE audited_at IS NULL) AS oldest,
        (SELECT max(seq) FROM audit_log) AS head`,
  {
    backlog: ['signbridge_audit_backlog_events', 'Domain events not yet chained into the audit log'],
    oldest: ['signbridge_audit_backlog_oldest_seconds', 'Age of the oldest of them (0: none)'],
    head: ['signbridge_audit_log_entries', "Sequence number of the audit chain's last entry"],
  },
);
