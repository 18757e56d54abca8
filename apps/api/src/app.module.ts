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

/** Every module; which of them do work here (HTTP, workers, sweeper) follows from the configured roles. */
@Module({})
export class AppModule {
  static register(runtime: Runtime): DynamicModule {
    return {
      module: AppModule,
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
