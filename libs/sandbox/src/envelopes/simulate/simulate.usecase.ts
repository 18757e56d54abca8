import { Injectable } from '@nestjs/common';
import { SandboxDatabase } from '../../database/sandbox-database';
import type { Actor } from '../../platform/envelope-transactions';
import { SandboxError } from '../../sandbox.errors';
import { SigningService } from '../../signing/signing.service';
import { EnvelopeActions } from '../envelope-actions.service';
import { findEnvelope, signersOf } from '../envelope.repository';
import { hasActed, type SignerRow } from '../envelope.types';
import type { SimulateDto } from './simulate.dto';

/**
 * Does what a signer or the mailer would, through the very same services the signing page uses; only the
 * one-time code is skipped, and the audit trail marks every simulated step `simulated: true`.
 */
@Injectable()
export class SimulateUseCase {
  constructor(
    private readonly database: SandboxDatabase,
    private readonly signing: SigningService,
    private readonly actions: EnvelopeActions,
  ) {}

  async execute(envelopeId: string, request: SimulateDto): Promise<void> {
    const actor: Actor = {
      ip: request.ip ?? '127.0.0.1',
      userAgent: request.user_agent ?? 'SignBridge Sandbox simulator',
      simulated: true,
    };
    if (request.action === 'expire') return this.actions.expire(envelopeId, actor);
    const signer = await this.pickSigner(envelopeId, request.signer);
    switch (request.action) {
      case 'deliver':
        return this.actions.deliver(envelopeId, signer.id, actor);
      case 'bounce':
        return this.actions.bounce(envelopeId, signer.id, request.reason ?? null, actor);
      case 'open':
        await this.signing.open(signer.token, actor);
        return;
      case 'sign': {
        await this.signing.sign(signer.token, { consent: true, level: request.level }, actor);
        return;
      }
      case 'decline':
        return this.signing.decline(signer.token, request.reason ?? null, actor);
    }
  }

  private async pickSigner(envelopeId: string, email: string | undefined): Promise<SignerRow> {
    const envelope = await findEnvelope(this.database, envelopeId);
    if (envelope.status !== 'sent') throw new SandboxError('ENVELOPE.NOT_SENT', `The envelope is ${envelope.status}`);
    const signers = await signersOf(this.database, envelopeId);
    if (email !== undefined) {
      const signer = signers.find((s) => s.email === email.toLowerCase());
      if (!signer) throw new SandboxError('SIGNER.NOT_FOUND', `No signer ${email} on envelope ${envelopeId}`);
      return signer;
    }
    const next = signers.find((s) => !hasActed(s));
    if (!next) throw new SandboxError('SIGNER.INVALID_STATE', 'Every signer has already acted');
    return next;
  }
}
