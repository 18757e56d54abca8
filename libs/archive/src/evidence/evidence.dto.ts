import { ApiProperty } from '@nestjs/swagger';
import { SIGNATURE_LEVELS } from '@app/domain';

export class SignerEvidenceView {
  @ApiProperty({ example: 'ana@acme.example' }) email!: string;
  @ApiProperty({ example: 'Ana García' }) name!: string;
  @ApiProperty({ format: 'date-time' }) signedAt!: string;
  @ApiProperty({ nullable: true, type: String, example: '203.0.113.7' }) ip!: string | null;
  @ApiProperty({ nullable: true, type: String, example: 'Mozilla/5.0 (X11; Linux x86_64)' }) userAgent!: string | null;
  @ApiProperty({ nullable: true, type: String, example: 'email_otp' }) authMethod!: string | null;
  @ApiProperty({ nullable: true, enum: SIGNATURE_LEVELS }) signatureLevel!: string | null;
  @ApiProperty({ nullable: true, type: Boolean, description: 'The platform verified a one-time code' })
  otpVerified!: boolean | null;
  @ApiProperty({ nullable: true, type: String, description: 'SHA-256 of the PDF as sent (when SignBridge sent it)' })
  documentSha256!: string | null;
  @ApiProperty({ description: 'SHA-256 of the signed PDF in the archive' }) signedDocumentSha256!: string;
  @ApiProperty({ description: "SHA-256 of the platform's evidence document in the archive" })
  evidenceDocumentSha256!: string;
  @ApiProperty({ format: 'date-time' }) recordedAt!: string;
}

export class ContractEvidenceView {
  @ApiProperty({ format: 'uuid' }) contractId!: string;
  @ApiProperty({ type: [SignerEvidenceView], description: 'Empty until the documents are archived' })
  signers!: SignerEvidenceView[];
}
