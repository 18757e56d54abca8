import { randomUUID } from 'node:crypto';
import { Controller, Get, HttpCode, Inject, Param, ParseUUIDPipe, Post, Query, Req } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import {
  ApiAcceptedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiProperty,
  ApiPropertyOptional,
  ApiTags,
} from '@nestjs/swagger';
import { AuditLog } from '@app/archive';
import {
  AppError,
  Idempotent,
  PageQueryDto,
  paginate,
  registerErrorStatuses,
  RequireScope,
  type ApiPrincipal,
  PageOf,
} from '@app/common';
import { INBOUND_EVENT_STATUSES, InboundEventEntity, type InboundEventStatus } from '@app/domain';
import { QUEUE_DRIVER, type QueueDriver } from '@app/event-bus';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import type { DataSource } from 'typeorm';

registerErrorStatuses({ 'INBOUND_EVENT.NOT_FOUND': 404 });

class ListInboundEventsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: INBOUND_EVENT_STATUSES })
  @IsOptional()
  @IsIn(INBOUND_EVENT_STATUSES)
  status?: InboundEventStatus;

  @ApiPropertyOptional({ example: 'sandbox' }) @IsOptional() @IsString() @MaxLength(50) provider?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(200) envelopeId?: string;
}

class InboundEventView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'sandbox' }) provider!: string;
  @ApiProperty({ example: 'msg_2hJ4...' }) providerEventId!: string;
  @ApiProperty({ example: 'signer.signed' }) providerType!: string;
  @ApiProperty({ nullable: true, type: String }) envelopeId!: string | null;
  @ApiProperty({ enum: INBOUND_EVENT_STATUSES }) status!: InboundEventStatus;
  @ApiProperty() attempts!: number;
  @ApiProperty({ nullable: true, type: String }) lastError!: string | null;
  @ApiProperty({ format: 'date-time' }) receivedAt!: string;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) processedAt!: string | null;
  @ApiProperty({ description: 'The body exactly as received, UTF-8 decoded' }) body!: string;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } }) headers!: Record<string, string>;
}

class InboundEventPage extends PageOf(InboundEventView) {}

/** Staff tools for the inbox: see what arrived and in which state, and send an event through again. */
@ApiTags('inbound-events')
@RequireScope('staff')
@Controller('api/v1/inbound-events')
export class InboundEventsController {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(QUEUE_DRIVER) private readonly queue: QueueDriver,
  ) {}

  @Get()
  @ApiOkResponse({ type: InboundEventPage })
  async list(@Query() query: ListInboundEventsQueryDto): Promise<InboundEventPage> {
    const qb = this.dataSource.getRepository(InboundEventEntity).createQueryBuilder('e');
    if (query.status) qb.andWhere('e.status = :status', { status: query.status });
    if (query.provider) qb.andWhere('e.provider = :provider', { provider: query.provider });
    if (query.envelopeId) qb.andWhere('e.envelope_id = :envelopeId', { envelopeId: query.envelopeId });
    return paginate(qb, { alias: 'e', column: 'received_at' }, query, toView);
  }

  @Get(':id')
  @ApiOkResponse({ type: InboundEventView })
  @ApiNotFoundResponse({ description: 'code INBOUND_EVENT.NOT_FOUND' })
  async get(@Param('id', new ParseUUIDPipe()) id: string): Promise<InboundEventView> {
    return toView(await this.find(id));
  }

  @Post(':id/replay')
  @HttpCode(202)
  @Idempotent()
  @ApiAcceptedResponse({
    type: InboundEventView,
    description:
      'Puts the event back to `received` and processes it again. Safe on any event: the lifecycle ignores ' +
      'what it has already applied, and the timeline gets no second entry.',
  })
  @ApiNotFoundResponse({ description: 'code INBOUND_EVENT.NOT_FOUND' })
  async replay(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Req() request: { user?: ApiPrincipal },
  ): Promise<InboundEventView> {
    await this.dataSource.transaction(async (em) => {
      const rows: { provider: string; provider_event_id: string; status: InboundEventStatus }[] = await em.query(
        `SELECT provider, provider_event_id, status FROM inbound_events WHERE id = $1 FOR UPDATE`,
        [id],
      );
      const row = rows[0];
      if (!row) throw new AppError('INBOUND_EVENT.NOT_FOUND', `No inbound event with id ${id}`);
      await em.query(`UPDATE inbound_events SET status = 'received', last_error = NULL WHERE id = $1`, [id]);
      // An operator's action: recorded in the chain, in the same transaction as the change it records.
      await AuditLog.append(em, {
        actor: `api-key:${request.user?.keyId ?? 'unknown'}`,
        action: 'InboundEventReplayed',
        subject: `inbound-event:${id}`,
        data: { provider: row.provider, providerEventId: row.provider_event_id, statusBefore: row.status },
      });
    });
    await this.queue.enqueue([
      { name: 'inbox.process', id: `${id}.replay-${randomUUID()}`, data: { inboundEventId: id } },
    ]);
    return toView(await this.find(id));
  }

  private async find(id: string): Promise<InboundEventEntity> {
    const row = await this.dataSource.getRepository(InboundEventEntity).findOneBy({ id });
    if (!row) throw new AppError('INBOUND_EVENT.NOT_FOUND', `No inbound event with id ${id}`);
    return row;
  }
}

function toView(row: InboundEventEntity): InboundEventView {
  return {
    id: row.id,
    provider: row.provider,
    providerEventId: row.providerEventId,
    providerType: row.providerType,
    envelopeId: row.envelopeId,
    status: row.status,
    attempts: row.attempts,
    lastError: row.lastError,
    receivedAt: row.receivedAt.toISOString(),
    processedAt: row.processedAt?.toISOString() ?? null,
    body: row.rawBody.toString('utf8'),
    headers: row.headers,
  };
}
