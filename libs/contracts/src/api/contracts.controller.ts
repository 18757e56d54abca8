import {
  Body,
  Controller,
  Get,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Post,
  Query,
  Req,
  UseInterceptors,
} from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadGatewayResponse,
  ApiConflictResponse,
  ApiConsumes,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import {
  Idempotent,
  RequestIdempotency,
  RequestInvalidError,
  RequireScope,
  type ApiPrincipal,
  type IdempotencyScope,
} from '@app/common';
import { ContractReconciler } from '../reconciliation/contract-reconciler';
import { ContractsQueries } from '../usecases/contracts.queries';
import { RegisterContractUseCase } from '../usecases/register-contract.usecase';
import { SendContractForSignatureUseCase } from '../usecases/send-contract-for-signature.usecase';
import { ReleaseHoldUseCase } from '../usecases/release-hold.usecase';
import { VoidContractUseCase } from '../usecases/void-contract.usecase';
import { ContractUploadInterceptor } from './contract-upload.interceptor';
import {
  ContractPage,
  ContractView,
  CreateContractDto,
  ListContractsQueryDto,
  ReconciliationView,
  ReleaseHoldDto,
  TimelineView,
  VoidContractDto,
} from './contract.dto';

@ApiTags('contracts')
@RequireScope('erp')
@Controller('api/v1/contracts')
export class ContractsController {
  constructor(
    private readonly registerContract: RegisterContractUseCase,
    private readonly sendContract: SendContractForSignatureUseCase,
    private readonly voidContract: VoidContractUseCase,
    private readonly releaseHoldUseCase: ReleaseHoldUseCase,
    private readonly queries: ContractsQueries,
    private readonly reconciler: ContractReconciler,
  ) {}

  @Post()
  @HttpCode(201)
  @Idempotent()
  // Below @Idempotent, so it runs first (decorators apply bottom-up and interceptors run in that order): the
  // upload becomes the JSON body before the idempotency fingerprint is taken.
  @UseInterceptors(ContractUploadInterceptor)
  @ApiConsumes('application/json', 'multipart/form-data')
  @ApiCreatedResponse({
    type: ContractView,
    description:
      'With `document`: sends the PDF for signature through the provider and returns the envelope id and a ' +
      'signing link per signer. With `envelopeId`: registers a contract already sent on the platform. Either ' +
      'way the status starts at `sent`, and events that arrived for the envelope before this call are applied now. ' +
      'The PDF may also be uploaded as multipart/form-data: a `contract` field with this JSON (without `document`) ' +
      'and a `document` file part.',
  })
  @ApiNotFoundResponse({ description: 'Unknown customerId (code CUSTOMER.NOT_FOUND)' })
  @ApiConflictResponse({ description: 'The envelope is already registered (code CONTRACT.ENVELOPE_TAKEN)' })
  @ApiUnprocessableEntityResponse({ description: 'The platform refused the envelope (code PROVIDER.REJECTED)' })
  @ApiBadGatewayResponse({ description: 'The platform did not answer; retry with the same Idempotency-Key' })
  async create(
    @Body() body: CreateContractDto,
    @RequestIdempotency() idempotency?: IdempotencyScope,
  ): Promise<ContractView> {
    if ((body.document === undefined) === (body.envelopeId === undefined)) {
      const problem = 'give exactly one of document (to send it for signature) or envelopeId (already sent)';
      throw new RequestInvalidError(problem, [{ field: 'document', problem }]);
    }
    if (body.document === undefined) {
      const id = await this.registerContract.execute({ ...body, envelopeId: body.envelopeId as string });
      return this.queries.contract(id);
    }
    if (body.title === undefined) {
      throw RequestInvalidError.forField('title', 'required when sending a document');
    }
    const id = await this.sendContract.execute({
      ...body,
      title: body.title,
      document: body.document,
      expiresAt: body.expiresAt ? new Date(body.expiresAt) : undefined,
      idempotency,
    });
    return this.queries.contract(id);
  }

  @Post(':id/release-hold')
  @HttpCode(200)
  @RequireScope('staff')
  @Idempotent()
  @ApiOkResponse({
    type: ContractView,
    description:
      'Releases the refusal holding the contract (a low signature level, evidence that failed its hash check) ' +
      'with a written justification, recorded in the audit log. The contract activates if nothing else holds it.',
  })
  @ApiNotFoundResponse({ description: 'code CONTRACT.NOT_FOUND' })
  @ApiConflictResponse({ description: 'The contract is not on hold (code CONTRACT.NOT_ON_HOLD)' })
  async releaseHold(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() body: ReleaseHoldDto,
    @Req() request: { user?: ApiPrincipal },
  ): Promise<ContractView> {
    await this.releaseHoldUseCase.execute(id, body.justification, `api-key:${request.user?.keyId ?? 'unknown'}`);
    return this.queries.contract(id);
  }

  @Post(':id/void')
  @HttpCode(202)
  @Idempotent()
  @ApiAcceptedResponse({
    type: ContractView,
    description:
      'Not yet signed by everyone: the platform accepted the void (`voidRequestedAt` is set) and the status turns ' +
      '`voided` when its event arrives. Signed by everyone (signed, active, on hold): the platform cannot void a ' +
      'completed envelope, so SignBridge voids the contract at once (`voided` in this answer, `ContractVoided`, ' +
      'provisioning reversed; an issued invoice stays, corrected by a credit note). Voiding a voided contract ' +
      'changes nothing.',
  })
  @ApiNotFoundResponse({ description: 'code CONTRACT.NOT_FOUND' })
  @ApiConflictResponse({ description: 'Already declined or expired (code CONTRACT.NOT_VOIDABLE)' })
  async void(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() body: VoidContractDto,
    @Req() request: { user?: ApiPrincipal },
  ): Promise<ContractView> {
    await this.voidContract.execute(id, body.reason, `api-key:${request.user?.keyId ?? 'unknown'}`);
    return this.queries.contract(id);
  }

  @Post(':id/reconcile')
  @HttpCode(200)
  @RequireScope('staff')
  @Idempotent()
  @ApiOkResponse({
    type: ReconciliationView,
    description:
      'Asks the platform about the contract now (README "The reconciler"), as the reconciler does by itself for ' +
      'contracts quiet for RECONCILE_AFTER, and applies what its webhooks never brought: signatures, completion, ' +
      'a decline, void or expiry (timeline entries of kind `reconciled`). A contract no longer waiting for the ' +
      'platform (signed, active, on hold, final) is left as it is.',
  })
  @ApiNotFoundResponse({ description: 'code CONTRACT.NOT_FOUND, or PROVIDER.ENVELOPE_NOT_FOUND' })
  @ApiBadGatewayResponse({ description: 'The platform did not answer (code PROVIDER.UNAVAILABLE)' })
  async reconcile(@Param('id', new ParseUUIDPipe()) id: string): Promise<ReconciliationView> {
    const result = await this.reconciler.reconcileNow(id);
    const contract = await this.queries.contract(id);
    return {
      statusBefore: result.statusBefore,
      applied: result.applied,
      contract,
    };
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
