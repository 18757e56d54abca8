import { Module } from '@nestjs/common';
import { PgWebhookOutbox } from './pg-webhook.outbox';
import { WebhookDeliveriesController } from './webhook-deliveries.controller';
import { WebhookDeliveryRepository } from './webhook-delivery.repository';
import { WebhookDispatcher } from './webhook.dispatcher';
import { WebhookFaultsController } from './webhook-faults.controller';
import { WebhookFaultsState } from './webhook-faults.state';
import { WebhookMessageStore } from './webhook-message.store';
import { WebhookOutbox } from './webhook-outbox';

/**
 * Webhook delivery for the sandbox platform. Relies on the global SandboxCoreModule (config, database,
 * API key, signing secret); other modules use it only through the WebhookOutbox port.
 */
@Module({
  controllers: [WebhookDeliveriesController, WebhookFaultsController],
  providers: [
    WebhookFaultsState,
    WebhookMessageStore,
    WebhookDeliveryRepository,
    WebhookDispatcher,
    PgWebhookOutbox,
    { provide: WebhookOutbox, useExisting: PgWebhookOutbox },
  ],
  exports: [WebhookOutbox],
})
export class SandboxWebhooksModule {}
