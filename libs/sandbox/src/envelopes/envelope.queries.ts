import { Injectable } from '@nestjs/common';
import { SandboxDatabase } from '../database/sandbox-database';
import { SandboxPublicUrl } from '../platform/public-url';
import { documentsOf, findEnvelope, signersOf } from './envelope.repository';
import { toEnvelopeDto, type EnvelopeDto } from './envelope.view';

/** The envelope as the API shows it, read after the change that the caller made has committed. */
@Injectable()
export class EnvelopeQueries {
  constructor(
    private readonly database: SandboxDatabase,
    private readonly urls: SandboxPublicUrl,
  ) {}

  async view(envelopeId: string): Promise<EnvelopeDto> {
    const envelope = await findEnvelope(this.database, envelopeId);
    const [signers, documents] = await Promise.all([
      signersOf(this.database, envelopeId),
      documentsOf(this.database, envelopeId),
    ]);
    return toEnvelopeDto(envelope, signers, documents, this.urls);
  }
}
