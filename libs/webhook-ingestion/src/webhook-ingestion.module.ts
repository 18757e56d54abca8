import { Module } from '@nestjs/common';
import { ContractsModule } from '@app/contracts';
import { InboundEventsController } from './inbound-events/inbound-events.controller';
import { ApplyParkedEventsWhenContractRegisteredHandler } from './inbox/apply-parked-events-when-contract-registered.handler';
import { InboxMetrics } from './inbox/inbox.metrics';
import { InboxProcessor } from './inbox/inbox.processor';
import { InboxWriter } from './inbox/inbox.writer';
import { WebhookIngressRoute } from './ingress/webhook-ingress.route';

@Module({
  imports: [ContractsModule],
  controllers: [InboundEventsController],
  providers: [
    InboxWriter,
    InboxProcessor,
    InboxMetrics,
    WebhookIngressRoute,
    ApplyParkedEventsWhenContractRegisteredHandler,
  ],
})
export class WebhookIngestionModule {}
