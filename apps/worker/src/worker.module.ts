import { DynamicModule, Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { AuditLogModule, DocumentsModule, EvidenceModule } from '@app/archive';
import { CommonModule, type Runtime } from '@app/common';
import { ContractsModule } from '@app/contracts';
import { ErpNotificationsModule } from '@app/erp-notifications';
import { EventBusModule } from '@app/event-bus';
import { InvoicingModule } from '@app/invoicing';
import { ProvisioningModule } from '@app/provisioning';
import { SignatureProvidersModule } from '@app/signature-providers';
import { WebhookIngestionModule } from '@app/webhook-ingestion';

/** The same modules as the API; without an HTTP server only their job handlers and the sweeper run. */
@Module({})
export class WorkerModule {
  static register(runtime: Runtime): DynamicModule {
    return {
      module: WorkerModule,
      imports: [
        CommonModule.forRoot(runtime.config, runtime.databaseUrl),
        ScheduleModule.forRoot(),
        EventBusModule,
        SignatureProvidersModule,
        ContractsModule,
        WebhookIngestionModule,
        AuditLogModule,
        DocumentsModule,
        EvidenceModule,
        InvoicingModule,
        ProvisioningModule,
        ErpNotificationsModule,
      ],
    };
  }
}
