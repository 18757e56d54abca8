import { Controller, Get, Param, ParseUUIDPipe } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import { RequireScope } from '@app/common';
import type { DataSource } from 'typeorm';
import { DocumentError } from '../documents/documents.errors';
import { ContractEvidenceView } from './evidence.dto';

interface EvidenceRow {
  signer_email: string;
  signer_name: string;
  signed_at: Date;
  ip: string | null;
  user_agent: string | null;
  auth_method: string | null;
  signature_level: string | null;
  otp_verified: boolean | null;
  document_sha256: string | null;
  signed_document_sha256: string;
  evidence_document_sha256: string;
  recorded_at: Date;
}

@ApiTags('documents')
@RequireScope('erp')
@Controller('api/v1/contracts')
export class ContractEvidenceController {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  @Get(':id/evidence')
  @ApiOkResponse({
    type: ContractEvidenceView,
    description:
      'Who signed, when, from which IP and user agent, how authenticated, at which level, against which hashes',
  })
  @ApiNotFoundResponse({ description: 'code CONTRACT.NOT_FOUND' })
  async evidence(@Param('id', new ParseUUIDPipe()) id: string): Promise<ContractEvidenceView> {
    const exists: unknown[] = await this.dataSource.query(`SELECT 1 FROM contracts WHERE id = $1`, [id]);
    if (exists.length === 0) throw new DocumentError('CONTRACT.NOT_FOUND', `No contract with id ${id}`);
    const rows: EvidenceRow[] = await this.dataSource.query(
      `SELECT * FROM signature_evidence WHERE contract_id = $1 ORDER BY signed_at, signer_email`,
      [id],
    );
    return {
      contractId: id,
      signers: rows.map((r) => ({
        email: r.signer_email,
        name: r.signer_name,
        signedAt: r.signed_at.toISOString(),
        ip: r.ip,
        userAgent: r.user_agent,
        authMethod: r.auth_method,
        signatureLevel: r.signature_level,
        otpVerified: r.otp_verified,
        documentSha256: r.document_sha256,
        signedDocumentSha256: r.signed_document_sha256,
        evidenceDocumentSha256: r.evidence_document_sha256,
        recordedAt: r.recorded_at.toISOString(),
      })),
    };
  }
}
