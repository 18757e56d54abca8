import { Module } from '@nestjs/common';
import { DocumentsModule } from '../documents/documents.module';
import { ArchiveEvidenceWhenContractSignedHandler } from './archive-evidence-when-contract-signed.handler';
import { ContractEvidenceController } from './evidence.controller';

/** Archiving on `ContractSigned`: the signed PDF, the evidence, and one evidence record per signer. */
@Module({
  imports: [DocumentsModule],
  controllers: [ContractEvidenceController],
  providers: [ArchiveEvidenceWhenContractSignedHandler],
})
export class EvidenceModule {}
