import { Module } from '@nestjs/common';
import { WebhookDeliveriesController } from './api/webhook-deliveries.controller';
import { WebhookEndpointsController } from './api/webhook-endpoints.controller';
import { WebhookDeliveriesService } from './deliveries/webhook-deliveries.service';
import { WebhookDeliveryRunner } from './deliveries/webhook-delivery-runner';
import { ErpNotificationsMetrics } from './erp-notifications.metrics';
import { WebhookEndpointsService } from './endpoints/webhook-endpoints.service';
import { WebhookFanout } from './fanout/webhook-fanout';

/** Telling the ERP: domain events delivered to its webhook endpoints, signed, retried, dead-lettered, replayable. */
@Module({
  controllers: [WebhookEndpointsController, WebhookDeliveriesController],
  providers: [
    ErpNotificationsMetrics,
    WebhookEndpointsService,
    WebhookDeliveriesService,
    WebhookDeliveryRunner,
    WebhookFanout,
  ],
})
export class ErpNotificationsModule {}
