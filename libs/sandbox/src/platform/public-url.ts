import { Inject, Injectable } from '@nestjs/common';
import { SANDBOX_CONFIG, type SandboxConfig } from '../config/sandbox-config';
import type { DocumentKind } from '../envelopes/envelope.types';

/**
 * The base of every link the platform hands out (signing links in mails, document URLs in the API).
 * SANDBOX_PUBLIC_URL when set; otherwise the listening address, known only once the server listens.
 */
@Injectable()
export class SandboxPublicUrl {
  private base: string | undefined;

  constructor(@Inject(SANDBOX_CONFIG) private readonly config: SandboxConfig) {
    this.base = config.publicUrl;
  }

  /** Called by startSandbox once listening; a configured public URL wins. */
  useListeningAddress(url: string): void {
    if (this.config.publicUrl === undefined) this.base = url.replace(/\/+$/, '');
  }

  get(): string {
    return this.base ?? `http://${this.config.host}:${this.config.port}`;
  }

  signingUrl(token: string): string {
    return `${this.get()}/sign/${encodeURIComponent(token)}`;
  }

  documentUrl(envelopeId: string, kind: DocumentKind): string {
    return `${this.get()}/v1/envelopes/${encodeURIComponent(envelopeId)}/documents/${kind.replace('_', '-')}`;
  }
}
