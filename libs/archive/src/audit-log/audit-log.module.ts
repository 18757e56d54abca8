import { Module } from '@nestjs/common';
import { AuditLogController } from './audit-log.controller';
import { AuditLogQueries } from './audit-log.queries';
import { RecordAuditEntryWhenDomainEventHandler } from './record-audit-entry-when-domain-event.handler';

/** The hash-chained audit log: its subscriber, its staff API. Appending needs no module: `AuditLog.append`. */
@Module({
  controllers: [AuditLogController],
  providers: [AuditLogQueries, RecordAuditEntryWhenDomainEventHandler],
  exports: [AuditLogQueries],
})
export class AuditLogModule {}
