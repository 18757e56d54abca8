import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import { Idempotent, PageQueryDto, RequestIdempotency, RequireScope, type IdempotencyScope } from '@app/common';
import { WebhookDeliveriesService } from '../deliveries/webhook-deliveries.service';
import { WebhookEndpointsService } from '../endpoints/webhook-endpoints.service';
import { BackfilledWebhookDeliveries, BackfillWebhookDeliveriesDto } from './webhook-delivery.dto';
import {
  CreateWebhookEndpointDto,
  RotateWebhookSecretDto,
  UpdateWebhookEndpointDto,
  WebhookEndpointPage,
  WebhookEndpointView,
  WebhookEndpointWithSecretView,
} from './webhook-endpoint.dto';

/**
 * Where SignBridge tells the ERP what happened: each endpoint receives the domain events it subscribed to, signed
 * with its own secret. Admin keys only: an endpoint receives business data, personal data included.
 */
@ApiTags('webhook-endpoints')
@RequireScope('admin')
@Controller('api/v1/webhook-endpoints')
export class WebhookEndpointsController {
  constructor(
    private readonly endpoints: WebhookEndpointsService,
    private readonly deliveries: WebhookDeliveriesService,
  ) {}

  @Post()
  @HttpCode(201)
  @Idempotent()
  @ApiCreatedResponse({
    type: WebhookEndpointWithSecretView,
    description:
      'Enabled at once, for the events that happen from now on (backfill sends earlier ones); with its signing secret',
  })
  create(
    @Body() body: CreateWebhookEndpointDto,
    @RequestIdempotency() idempotency?: IdempotencyScope,
  ): Promise<WebhookEndpointWithSecretView> {
    return this.endpoints.create({ ...body, idempotency });
  }

  @Get()
  @ApiOkResponse({ type: WebhookEndpointPage, description: 'Every endpoint, disabled ones included, oldest first' })
  list(@Query() query: PageQueryDto): Promise<WebhookEndpointPage> {
    return this.endpoints.list(query);
  }

  @Get(':id')
  @ApiOkResponse({ type: WebhookEndpointView })
  @ApiNotFoundResponse({ description: 'code WEBHOOK.ENDPOINT_NOT_FOUND' })
  get(@Param('id', new ParseUUIDPipe()) id: string): Promise<WebhookEndpointView> {
    return this.endpoints.get(id);
  }

  @Patch(':id')
  @ApiOkResponse({
    type: WebhookEndpointView,
    description: 'Its URL, event types or description changed; or disabled, or enabled again',
  })
  @ApiNotFoundResponse({ description: 'code WEBHOOK.ENDPOINT_NOT_FOUND' })
  update(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() body: UpdateWebhookEndpointDto,
  ): Promise<WebhookEndpointView> {
    return this.endpoints.update(id, body);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse({
    description:
      'Deleted: gone from lists and views, its secrets erased, its waiting deliveries dead (WEBHOOK.ENDPOINT_DELETED); ' +
      'the deliveries made stay listed by /webhook-deliveries. Final.',
  })
  @ApiNotFoundResponse({ description: 'code WEBHOOK.ENDPOINT_NOT_FOUND (also once deleted)' })
  remove(@Param('id', new ParseUUIDPipe()) id: string): Promise<void> {
    return this.endpoints.delete(id);
  }

  @Post(':id/rotate-secret')
  @HttpCode(200)
  @Idempotent()
  @ApiOkResponse({
    type: WebhookEndpointWithSecretView,
    description: 'A new secret; calls are signed with the previous one too for `keepPreviousHours` (default 24)',
  })
  @ApiNotFoundResponse({ description: 'code WEBHOOK.ENDPOINT_NOT_FOUND' })
  rotateSecret(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() body: RotateWebhookSecretDto,
    @RequestIdempotency() idempotency?: IdempotencyScope,
  ): Promise<WebhookEndpointWithSecretView> {
    return this.endpoints.rotateSecret(id, body.keepPreviousHours ?? 24, idempotency);
  }

  @Post(':id/backfill')
  @HttpCode(200)
  @ApiOkResponse({
    type: BackfilledWebhookDeliveries,
    description:
      'Sends the endpoint the events recorded in [since, until) of the types it subscribes to that it was never ' +
      'sent (an endpoint receives only what happens after it is registered): 1,000 per call, oldest first; ' +
      'call again while `more`. Nothing is sent twice.',
  })
  @ApiNotFoundResponse({ description: 'code WEBHOOK.ENDPOINT_NOT_FOUND' })
  @ApiConflictResponse({ description: 'code WEBHOOK.ENDPOINT_DISABLED' })
  backfill(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() body: BackfillWebhookDeliveriesDto,
  ): Promise<BackfilledWebhookDeliveries> {
    return this.deliveries.backfill(id, body);
  }
}
