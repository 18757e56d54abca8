import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query, Req } from '@nestjs/common';
import { ApiConflictResponse, ApiCreatedResponse, ApiNotFoundResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Idempotent } from '../idempotency/idempotent.decorator';
import { RequestIdempotency, type IdempotencyScope } from '../idempotency/idempotency-scope';
import { PageQueryDto } from '../pagination/cursor';
import { RequireScope } from './api-key.guard';
import { ApiKeyPage, ApiKeyView, CreateApiKeyDto, CreatedApiKeyView, toApiKeyView } from './api-key.dto';
import { alreadyCreatedError, ApiKeyService, type ApiPrincipal } from './api-key.service';

@ApiTags('api-keys')
@RequireScope('admin')
@Controller('api/v1/api-keys')
export class ApiKeysController {
  constructor(private readonly keys: ApiKeyService) {}

  @Post()
  @HttpCode(201)
  // The answer carries the secret, which is stored nowhere: a retry is told the key exists instead of getting it.
  @Idempotent({ replayAs: (answer) => alreadyCreatedError(answer as CreatedApiKeyView) })
  @ApiCreatedResponse({ type: CreatedApiKeyView, description: 'The key, with its secret (`key`) shown this once' })
  @ApiConflictResponse({
    description:
      'A retry with the same Idempotency-Key: the key was created, its secret is not shown again ' +
      '(code API_KEY.ALREADY_CREATED, `keyId`)',
  })
  async create(
    @Body() body: CreateApiKeyDto,
    @Req() request: { user: ApiPrincipal },
    @RequestIdempotency() idempotency?: IdempotencyScope,
  ): Promise<CreatedApiKeyView> {
    const { record, key } = await this.keys.create({ ...body, createdBy: request.user.keyId, idempotency });
    return { ...toApiKeyView(record), key };
  }

  @Get()
  @ApiOkResponse({ type: ApiKeyPage, description: 'Every key, revoked ones included, oldest first; never a secret' })
  async list(@Query() query: PageQueryDto): Promise<ApiKeyPage> {
    const page = await this.keys.list(query);
    return { items: page.items.map(toApiKeyView), nextCursor: page.nextCursor };
  }

  @Get(':id')
  @ApiOkResponse({ type: ApiKeyView })
  @ApiNotFoundResponse({ description: 'code API_KEY.NOT_FOUND' })
  async get(@Param('id', new ParseUUIDPipe()) id: string): Promise<ApiKeyView> {
    return toApiKeyView(await this.keys.get(id));
  }

  @Post(':id/revoke')
  @HttpCode(200)
  @Idempotent()
  @ApiOkResponse({ type: ApiKeyView, description: 'The key, revoked: it authenticates nothing from now on' })
  @ApiNotFoundResponse({ description: 'code API_KEY.NOT_FOUND' })
  @ApiConflictResponse({ description: 'The last key with the admin scope (code API_KEY.LAST_ADMIN)' })
  async revoke(@Param('id', new ParseUUIDPipe()) id: string): Promise<ApiKeyView> {
    return toApiKeyView(await this.keys.revoke(id));
  }
}
