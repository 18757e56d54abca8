import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiConflictResponse, ApiNotFoundResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Idempotent, RequireScope } from '@app/common';
import { WebhookDeliveriesService } from '../deliveries/webhook-deliveries.service';
import {
  ListWebhookDeliveriesQueryDto,
  ReplayedWebhookDeliveries,
  ReplayWebhookDeliveriesDto,
  WebhookDeliveryPage,
  WebhookDeliveryView,
} from './webhook-delivery.dto';

/** Each (endpoint, event): its calls, how the last one went, and the dead letters with their replay. */
@ApiTags('webhook-deliveries')
@RequireScope('staff')
@Controller('api/v1/webhook-deliveries')
export class WebhookDeliveriesController {
  constructor(private readonly deliveries: WebhookDeliveriesService) {}

  @Get()
  @ApiOkResponse({
    type: WebhookDeliveryPage,
    description: 'Oldest first. `status=dead`: the dead letters (retries used up, or the endpoint answered 410)',
  })
  list(@Query() query: ListWebhookDeliveriesQueryDto): Promise<WebhookDeliveryPage> {
    return this.deliveries.list(query);
  }

  @Get(':id')
  @ApiOkResponse({ type: WebhookDeliveryView })
  @ApiNotFoundResponse({ description: 'code WEBHOOK.DELIVERY_NOT_FOUND' })
  get(@Param('id', new ParseUUIDPipe()) id: string): Promise<WebhookDeliveryView> {
    return this.deliveries.get(id);
  }

  @Post('replay')
  @HttpCode(202)
  @Idempotent()
  @ApiAcceptedResponse({
    type: ReplayedWebhookDeliveries,
    description: "The endpoint's dead deliveries (created in [since, until) if given) are pending again, due now",
  })
  @ApiNotFoundResponse({ description: 'code WEBHOOK.ENDPOINT_NOT_FOUND' })
  @ApiConflictResponse({ description: 'The endpoint is disabled (code WEBHOOK.ENDPOINT_DISABLED)' })
  replayDead(@Body() body: ReplayWebhookDeliveriesDto): Promise<ReplayedWebhookDeliveries> {
    return this.deliveries.replayDead(body);
  }

  @Post(':id/replay')
  @HttpCode(202)
  @Idempotent()
  @ApiAcceptedResponse({
    type: WebhookDeliveryView,
    description: 'Pending again with its attempts reset, called at once; the ERP receives the same event id',
  })
  @ApiNotFoundResponse({ description: 'code WEBHOOK.DELIVERY_NOT_FOUND' })
  @ApiConflictResponse({
    description:
      'It is pending or running (code WEBHOOK.NOT_REPLAYABLE), or its endpoint is disabled (WEBHOOK.ENDPOINT_DISABLED)',
  })
  replay(@Param('id', new ParseUUIDPipe()) id: string): Promise<WebhookDeliveryView> {
    return this.deliveries.replay(id);
  }
}
