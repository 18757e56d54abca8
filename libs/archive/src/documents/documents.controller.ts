import { Controller, Get, Param, ParseUUIDPipe, Res } from '@nestjs/common';
import {
  ApiInternalServerErrorResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { RequireScope } from '@app/common';
import { DocumentList, toDocumentView } from './document.dto';
import { DocumentsService } from './documents.service';
import { reprDigest } from './store/document-key';

@ApiTags('documents')
@RequireScope('erp')
@Controller('api/v1/contracts')
export class ContractDocumentsController {
  constructor(private readonly documents: DocumentsService) {}

  @Get(':id/documents')
  @ApiOkResponse({
    type: DocumentList,
    description: 'The archived documents of the contract (original, signed, evidence), oldest first',
  })
  @ApiNotFoundResponse({ description: 'code CONTRACT.NOT_FOUND' })
  async list(@Param('id', new ParseUUIDPipe()) id: string): Promise<DocumentList> {
    return { items: (await this.documents.listForContract(id)).map(toDocumentView) };
  }
}

const EXTENSIONS: Record<string, string> = {
  'application/pdf': 'pdf',
  'application/json': 'json',
  'text/plain': 'txt',
};

@ApiTags('documents')
@RequireScope('erp')
@Controller('api/v1/documents')
export class DocumentContentController {
  constructor(private readonly documents: DocumentsService) {}

  @Get(':id/content')
  @ApiProduces('application/pdf', 'application/octet-stream')
  @ApiOkResponse({
    description:
      'The archived bytes, exactly as stored. They are hashed while being sent: if they no longer match the ' +
      'recorded SHA-256, the response is cut short before its last bytes (fewer than Content-Length) and the ' +
      'server logs DOCUMENT.CONTENT_CORRUPT with the document id. Check Repr-Digest against what you received.',
    schema: { type: 'string', format: 'binary' },
    headers: {
      'Content-Type': { description: 'The media type recorded with the document', schema: { type: 'string' } },
      'Content-Length': { description: 'Bytes', schema: { type: 'integer', example: 48213 } },
      'Repr-Digest': {
        description: 'RFC 9530: the SHA-256 of the bytes',
        schema: { type: 'string', example: 'sha-256=:o/HC1OW2p5gBEiM0RVZneImaq7zN7v8AESIzRFVmd3g=:' },
      },
      'Content-Disposition': {
        description: 'attachment; filename="<contract id>-<kind>.pdf"',
        schema: { type: 'string' },
      },
    },
  })
  @ApiNotFoundResponse({ description: 'code DOCUMENT.NOT_FOUND' })
  @ApiInternalServerErrorResponse({
    description: 'The stored bytes are missing or of another size (DOCUMENT.CONTENT_MISSING / CONTENT_CORRUPT)',
  })
  async content(@Param('id', new ParseUUIDPipe()) id: string, @Res() reply: FastifyReply): Promise<void> {
    const { document, stream, size } = await this.documents.openContent(id);
    const filename = `${document.contractId}-${document.kind}.${EXTENSIONS[document.mediaType] ?? 'bin'}`;
    await reply
      .header('content-type', document.mediaType)
      .header('content-length', String(size))
      .header('repr-digest', reprDigest(document.sha256))
      .header('content-disposition', `attachment; filename="${filename}"`)
      .header('cache-control', 'private, no-store')
      .send(stream);
  }
}
