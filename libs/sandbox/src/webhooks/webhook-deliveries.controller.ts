import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiNotFoundResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AppError, registerErrorStatuses } from '@app/common';
import { SandboxAuth } from '../auth/sandbox-api-key.guard';
import { WebhookDispatcher } from './webhook.dispatcher';
import { WebhookDeliveryRepository } from './webhook-delivery.repository';
import {
  ListWebhookDeliveriesQueryDto,
  toDeliveryView,
  WebhookDeliveryPage,
  WebhookDeliveryView,
} from './webhook-delivery.dto';

registerErrorStatuses({ 'WEBHOOK_DELIVERY.NOT_FOUND': 404 });

const DEFAULT_PAGE_SIZE = 50;

/** The platform's delivery log, as a developer portal shows it: every message, every attempt, and a resend. */
@ApiTags('webhook-deliveries')
@SandboxAuth()
@Controller('v1/webhook-deliveries')
export class WebhookDeliveriesController {
  constructor(
    private readonly deliveries: WebhookDeliveryRepository,
    private readonly dispatcher: WebhookDispatcher,
  ) {}

  @Get()
  @ApiOkResponse({ type: WebhookDeliveryPage, description: 'Newest first' })
  async list(@Query() query: ListWebhookDeliveriesQueryDto): Promise<WebhookDeliveryPage> {
    const { records, nextCursor } = await this.deliveries.list({
      envelopeId: query.envelope_id,
      status: query.status,
      type: query.type,
      limit: query.limit ?? DEFAULT_PAGE_SIZE,
      before: query.before,
    });
    return { items: records.map(toDeliveryView), next_cursor: nextCursor };
  }

  @Get(':id')
  @ApiOkResponse({ type: WebhookDeliveryView })
  @ApiNotFoundResponse({ description: 'code WEBHOOK_DELIVERY.NOT_FOUND' })
  async get(@Param('id') id: string): Promise<WebhookDeliveryView> {
    return toDeliveryView(await this.find(id));
  }

  @Post(':id/retry')
  @HttpCode(202)
  @ApiAcceptedResponse({
    type: WebhookDeliveryView,
    description:
      'Sends the message again under the same id (receivers deduplicate on webhook-id), with a fresh retry ' +
      'schedule; its attempt log is kept. A pending message is only made due now.',
  })
  @ApiNotFoundResponse({ description: 'code WEBHOOK_DELIVERY.NOT_FOUND' })
  async retry(@Param('id') id: string): Promise<WebhookDeliveryView> {
    if (!(await this.deliveries.retry(id))) throw notFound(id);
    this.dispatcher.wake();
    return toDeliveryView(await this.find(id));
  }

  private async find(id: string) {
    const record = await this.deliveries.find(id);
    if (!record) throw notFound(id);
    return record;
  }
}

function notFound(id: string): AppError {
  return new AppError('WEBHOOK_DELIVERY.NOT_FOUND', `No webhook message with id ${id}`);
}
