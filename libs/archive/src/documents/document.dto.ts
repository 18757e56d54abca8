import { ApiProperty } from '@nestjs/swagger';
import { DOCUMENT_KINDS, type DocumentKind, type DocumentRecord } from './documents.types';

export class DocumentView {
  @ApiProperty({ format: 'uuid', example: '0b6f4a52-8f0e-4c4a-9d0e-2f7d1c3b9a11' }) id!: string;
  @ApiProperty({ format: 'uuid', example: '5d1c0e7a-3b2f-4e8a-a1c9-7f6e5d4c3b2a' }) contractId!: string;
  @ApiProperty({ enum: DOCUMENT_KINDS, example: 'signed' }) kind!: DocumentKind;
  @ApiProperty({ example: 'application/pdf' }) mediaType!: string;
  @ApiProperty({ example: 48213, description: 'Bytes' }) sizeBytes!: number;

  @ApiProperty({
    example: 'a3f1c2d4e5b6a7980112233445566778899aabbccddeeff00112233445566778',
    description: 'SHA-256 of the bytes, hex; the content endpoint sends it as Repr-Digest (base64)',
  })
  sha256!: string;

  @ApiProperty({ format: 'date-time', example: '2026-11-26T10:16:02.114Z' }) storedAt!: string;

  @ApiProperty({ example: 'env_7f3a9c/signed.pdf', description: "The signature platform's reference" })
  providerReference!: string;
}

export class DocumentList {
  @ApiProperty({ type: [DocumentView] }) items!: DocumentView[];
}

export function toDocumentView(document: DocumentRecord): DocumentView {
  return {
    id: document.id,
    contractId: document.contractId,
    kind: document.kind,
    mediaType: document.mediaType,
    sizeBytes: document.sizeBytes,
    sha256: document.sha256,
    storedAt: document.storedAt.toISOString(),
    providerReference: document.providerReference,
  };
}
