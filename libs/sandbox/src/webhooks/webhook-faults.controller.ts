import { Body, Controller, Get, Put } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { SandboxAuth } from '../auth/sandbox-api-key.guard';
import { WebhookFaultsState } from './webhook-faults.state';
import { fromFaultsDto, toFaultsView, UpdateWebhookFaultsDto, WebhookFaultsView } from './webhook-faults.dto';

/** Switch delivery misbehaviour on and off while the sandbox runs (this process only; not persisted). */
@ApiTags('faults')
@SandboxAuth()
@Controller('v1/faults')
export class WebhookFaultsController {
  constructor(private readonly faults: WebhookFaultsState) {}

  @Get()
  @ApiOkResponse({ type: WebhookFaultsView })
  get(): WebhookFaultsView {
    return toFaultsView(this.faults.get());
  }

  @Put()
  @ApiOkResponse({ type: WebhookFaultsView, description: 'The faults now in force' })
  @ApiBadRequestResponse({ description: 'code REQUEST.INVALID, naming the field' })
  update(@Body() body: UpdateWebhookFaultsDto): WebhookFaultsView {
    return toFaultsView(this.faults.update(fromFaultsDto(body)));
  }
}
