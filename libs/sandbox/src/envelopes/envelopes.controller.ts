import { Body, Controller, Get, Headers, HttpCode, Inject, Param, Post, Req, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiConflictResponse,
  ApiConsumes,
  ApiCreatedResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiParam,
  ApiProduces,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { SandboxAuth } from '../auth/sandbox-api-key.guard';
import { SandboxDatabase } from '../database/sandbox-database';
import { downloadName, sendDocument } from '../documents/document-response';
import { invalidField, SandboxError } from '../sandbox.errors';
import { WebhookOutbox } from '../webhooks/webhook-outbox';
import { CreateEnvelopeDto } from './create-envelope/create-envelope.dto';
import { parseCreateEnvelopeRequest } from './create-envelope/create-envelope.request';
import { CreateEnvelopeUseCase } from './create-envelope/create-envelope.usecase';
import { EnvelopeActions } from './envelope-actions.service';
import { EnvelopeQueries } from './envelope.queries';
import { findEnvelopeDocument } from './envelope.repository';
import type { DocumentKind } from './envelope.types';
import { EnvelopeDto } from './envelope.view';
import { SimulateDto, VoidEnvelopeDto } from './simulate/simulate.dto';
import { SimulateUseCase } from './simulate/simulate.usecase';

const DOCUMENT_PATHS: Record<string, DocumentKind> = {
  original: 'original',
  signed: 'signed',
  'audit-trail': 'audit_trail',
  evidence: 'evidence',
};

@ApiTags('envelopes')
@SandboxAuth()
@Controller('v1/envelopes')
export class EnvelopesController {
  constructor(
    @Inject(CreateEnvelopeUseCase) private readonly create: CreateEnvelopeUseCase,
    @Inject(EnvelopeQueries) private readonly queries: EnvelopeQueries,
    @Inject(EnvelopeActions) private readonly actions: EnvelopeActions,
    @Inject(SimulateUseCase) private readonly simulation: SimulateUseCase,
    @Inject(SandboxDatabase) private readonly database: SandboxDatabase,
    @Inject(WebhookOutbox) private readonly outbox: WebhookOutbox,
  ) {}

  @Post()
  @ApiConsumes('application/json', 'multipart/form-data')
  @ApiBody({
    type: CreateEnvelopeDto,
    description:
      'JSON with document.content_base64, or multipart/form-data: fields title, signature_level, expires_at, ' +
      'webhook_url, signers and metadata (as JSON text), and the PDF as the file field "document".',
  })
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'Same key + same request: the same envelope' })
  @ApiCreatedResponse({ type: EnvelopeDto, description: 'Created and sent' })
  @ApiOkResponse({ type: EnvelopeDto, description: 'Replayed (Idempotent-Replayed: true): nothing sent again' })
  @ApiBadRequestResponse({
    description: 'Invalid field, named in the problem (code REQUEST.INVALID / ENVELOPE.INVALID)',
  })
  @ApiUnprocessableEntityResponse({ description: 'IDEMPOTENCY.KEY_REUSED: the key came with a different request' })
  async createEnvelope(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Headers('idempotency-key') idempotencyKey?: string,
  ): Promise<void> {
    if (idempotencyKey !== undefined && !/^[\x21-\x7E]{1,255}$/.test(idempotencyKey)) {
      throw invalidField('Idempotency-Key', 'must be 1 to 255 visible ASCII characters');
    }
    const command = await parseCreateEnvelopeRequest(request.body, request.isMultipart());
    const { envelope, replayed } = await this.create.execute(command, idempotencyKey);
    if (replayed) void reply.header('idempotent-replayed', 'true');
    await reply.status(replayed ? 200 : 201).send(envelope);
  }

  @Get(':id')
  @ApiOkResponse({ type: EnvelopeDto })
  @ApiNotFoundResponse({ description: 'ENVELOPE.NOT_FOUND' })
  get(@Param('id') id: string): Promise<EnvelopeDto> {
    return this.queries.view(id);
  }

  @Post(':id/void')
  @HttpCode(200)
  @ApiOkResponse({ type: EnvelopeDto, description: 'Voided (or already voided: unchanged, no second webhook)' })
  @ApiConflictResponse({ description: 'ENVELOPE.NOT_VOIDABLE: completed, declined or expired' })
  async void(@Param('id') id: string, @Body() body: VoidEnvelopeDto): Promise<EnvelopeDto> {
    await this.actions.void(id, body?.reason ?? null);
    return this.queries.view(id);
  }

  @Post(':id/resend')
  @HttpCode(200)
  @ApiOkResponse({ type: EnvelopeDto, description: 'A reminder mailed to every signer who has not signed' })
  @ApiConflictResponse({ description: 'ENVELOPE.NOT_SENT' })
  async resend(@Param('id') id: string): Promise<EnvelopeDto> {
    await this.actions.resend(id);
    return this.queries.view(id);
  }

  @Post(':id/simulate')
  @HttpCode(200)
  @ApiOkResponse({ type: EnvelopeDto, description: 'What a signer or the mailer would have done, done' })
  @ApiConflictResponse({ description: 'Not possible in the current state (ENVELOPE.NOT_SENT, SIGNER.INVALID_STATE)' })
  async simulate(@Param('id') id: string, @Body() body: SimulateDto): Promise<EnvelopeDto> {
    await this.simulation.execute(id, body);
    return this.queries.view(id);
  }

  @Get(':id/documents/:kind')
  @ApiParam({ name: 'kind', enum: Object.keys(DOCUMENT_PATHS) })
  @ApiProduces('application/pdf', 'application/json')
  @ApiOkResponse({ description: 'The bytes, with X-Content-SHA256 and Repr-Digest' })
  @ApiConflictResponse({ description: 'ENVELOPE.NOT_COMPLETED: signed, audit-trail and evidence exist once completed' })
  async document(@Param('id') id: string, @Param('kind') path: string, @Res() reply: FastifyReply): Promise<void> {
    const kind = DOCUMENT_PATHS[path];
    if (!kind)
      throw new SandboxError(
        'ENVELOPE.NOT_FOUND',
        `No document "${path}"; expected ${Object.keys(DOCUMENT_PATHS).join(', ')}`,
      );
    const found = await findEnvelopeDocument(this.database, id, kind);
    if (!found) throw new SandboxError('ENVELOPE.NOT_FOUND', `No envelope ${id}`);
    const { envelope, document } = found;
    if (!document)
      throw new SandboxError(
        'ENVELOPE.NOT_COMPLETED',
        `The ${path} document exists once the envelope is completed (it is ${envelope.status})`,
      );
    // The tamper fault corrupts what is served, never what is stored: the stated hash stays the real one.
    const served =
      this.outbox.faults().tamperDocuments && (kind === 'signed' || kind === 'audit_trail')
        ? { ...document, bytes: flipLastByte(document.bytes) }
        : document;
    await sendDocument(reply, served, downloadName(envelope.document_filename, kind), 'attachment');
  }
}

function flipLastByte(bytes: Buffer): Buffer {
  const copy = Buffer.from(bytes);
  copy[copy.length - 1] ^= 0xff;
  return copy;
}
