import { Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiConflictResponse, ApiNotFoundResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Idempotent, RequireScope } from '@app/common';
import { ProvisioningOrdersQueries } from '../runs/provisioning-orders.queries';
import { RetryProvisioningOrderUseCase } from '../runs/retry-provisioning-order.usecase';
import { ListProvisioningOrdersQueryDto, ProvisioningOrderPage, ProvisioningOrderView } from './provisioning-order.dto';

@ApiTags('provisioning')
@Controller('api/v1/provisioning-orders')
export class ProvisioningOrdersController {
  constructor(
    private readonly queries: ProvisioningOrdersQueries,
    private readonly retryOrder: RetryProvisioningOrderUseCase,
  ) {}

  @Get()
  @RequireScope('erp')
  @ApiOkResponse({
    type: ProvisioningOrderPage,
    description:
      'Provisioning runs, oldest first: one per (contract, action) and, after a void or a credit note cancelling the ' +
      'first invoice, one reversal per succeeded action. Filter by contract, status, action and kind.',
  })
  list(@Query() query: ListProvisioningOrdersQueryDto): Promise<ProvisioningOrderPage> {
    return this.queries.list(query);
  }

  @Get(':id')
  @RequireScope('erp')
  @ApiOkResponse({ type: ProvisioningOrderView })
  @ApiNotFoundResponse({ description: 'code PROVISIONING.ORDER_NOT_FOUND' })
  get(@Param('id', new ParseUUIDPipe()) id: string): Promise<ProvisioningOrderView> {
    return this.queries.get(id);
  }

  @Post(':id/retry')
  @HttpCode(202)
  @RequireScope('staff')
  @Idempotent()
  @ApiAcceptedResponse({
    type: ProvisioningOrderView,
    description: 'The failed run is pending again with its attempts reset, and is called again at once',
  })
  @ApiNotFoundResponse({ description: 'code PROVISIONING.ORDER_NOT_FOUND' })
  @ApiConflictResponse({
    description:
      'The run is not failed, or it provisions a contract voided or reversed (code PROVISIONING.NOT_RETRYABLE)',
  })
  retry(@Param('id', new ParseUUIDPipe()) id: string): Promise<ProvisioningOrderView> {
    return this.retryOrder.execute(id);
  }
}
