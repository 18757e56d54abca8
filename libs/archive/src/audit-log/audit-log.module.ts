import { Module } from '@nestjs/common';
import { AuditLogController } from './audit-log.controller';
import { AuditLogMetrics } from './audit-log.metrics';
import { AuditLogQueries } from './audit-log.queries';
import { DomainEventAuditor } from './domain-event-auditor';

/** The hash-chained audit log: the auditor of domain events, its staff API. Appending needs no module: `AuditLog.append`. */
@Module({
  controllers: [AuditLogController],
  providers: [AuditLogQueries, AuditLogMetrics, DomainEventAuditor],
  exports: [AuditLogQueries],
})
export class AuditLogModule {}
