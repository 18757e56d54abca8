import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiConflictResponse, ApiCreatedResponse, ApiNotFoundResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { RequireScope } from '@app/common';
import { ContractsQueries } from '../usecases/contracts.queries';
import { RegisterContractUseCase } from '../usecases/register-contract.usecase';
import { ContractPage, ContractView, CreateContractDto, ListContractsQueryDto, TimelineView } from './contract.dto';

@ApiTags('contracts')
@RequireScope('erp')
@Controller('api/v1/contracts')
export class ContractsController {
  constructor(
    private readonly registerContract: RegisterContractUseCase,
    private readonly queries: ContractsQueries,
  ) {}

  @Post()
  @HttpCode(201)
  @ApiCreatedResponse({
    type: ContractView,
    description:
      'Registers a contract already sent for signature on the platform. Its status starts at `sent`; ' +
      'events that arrived for the envelope before this call are applied now.',
  })
  @ApiNotFoundResponse({ description: 'Unknown customerId (code CUSTOMER.NOT_FOUND)' })
  @ApiConflictResponse({ description: 'The envelope is already registered (code CONTRACT.ENVELOPE_TAKEN)' })
  async create(@Body() body: CreateContractDto): Promise<ContractView> {
    const id = await this.registerContract.execute(body);
    return this.queries.contract(id);
  }

  @Get()
  @ApiOkResponse({ type: ContractPage })
  list(@Query() query: ListContractsQueryDto): Promise<ContractPage> {
    return this.queries.contracts(query);
  }

  @Get(':id')
  @ApiOkResponse({ type: ContractView })
  @ApiNotFoundResponse({ description: 'code CONTRACT.NOT_FOUND' })
  get(@Param('id', new ParseUUIDPipe()) id: string): Promise<ContractView> {
    return this.queries.contract(id);
  }

  @Get(':id/timeline')
  @ApiOkResponse({ type: TimelineView, description: 'One item per applied canonical event, oldest first' })
  @ApiNotFoundResponse({ description: 'code CONTRACT.NOT_FOUND' })
  timeline(@Param('id', new ParseUUIDPipe()) id: string): Promise<TimelineView> {
    return this.queries.timeline(id);
  }
}
