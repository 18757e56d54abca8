import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { Idempotent, RequestIdempotency, RequireScope, type IdempotencyScope } from '@app/common';
import { ContractsQueries } from '../usecases/contracts.queries';
import { RegisterCustomerUseCase } from '../usecases/register-customer.usecase';
import { CreateCustomerDto, CustomerPage, CustomerView, ListCustomersQueryDto, toCustomerView } from './customer.dto';

@ApiTags('customers')
@RequireScope('erp')
@Controller('api/v1/customers')
export class CustomersController {
  constructor(
    private readonly registerCustomer: RegisterCustomerUseCase,
    private readonly queries: ContractsQueries,
  ) {}

  @Post()
  @HttpCode(201)
  @Idempotent()
  @ApiCreatedResponse({ type: CustomerView, description: 'The customer, `pending` until its first contract activates' })
  @ApiConflictResponse({ description: 'externalRef already registered (code CUSTOMER.EXTERNAL_REF_TAKEN)' })
  @ApiUnprocessableEntityResponse({
    description: 'The Idempotency-Key already created another customer (code IDEMPOTENCY.KEY_REUSED)',
  })
  async create(
    @Body() body: CreateCustomerDto,
    @RequestIdempotency() idempotency?: IdempotencyScope,
  ): Promise<CustomerView> {
    return toCustomerView(await this.registerCustomer.execute({ ...body, idempotency }));
  }

  @Get()
  @ApiOkResponse({ type: CustomerPage })
  list(@Query() query: ListCustomersQueryDto): Promise<CustomerPage> {
    return this.queries.customers(query);
  }

  @Get(':id')
  @ApiOkResponse({ type: CustomerView })
  @ApiNotFoundResponse({ description: 'code CUSTOMER.NOT_FOUND' })
  get(@Param('id', new ParseUUIDPipe()) id: string): Promise<CustomerView> {
    return this.queries.customer(id);
  }
}
