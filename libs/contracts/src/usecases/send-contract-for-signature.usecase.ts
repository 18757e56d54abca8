import { createHash, randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { APP_CONFIG, idempotencyDigest, PublicAddress, type AppConfig, type IdempotencyScope } from '@app/common';
import { type Money, type SignatureLevel } from '@app/domain';
import { SignatureProviderRegistry } from '@app/signature-providers';
import type { DataSource } from 'typeorm';
import { ContractsError } from '../contracts.errors';
import {
  RegisterContractUseCase,
  requireBillableCustomer,
  type RegisterContractCommand,
} from './register-contract.usecase';
import { requiredSignatureLevel } from './signature-policy';

export interface SendContractCommand {
  customerId: string;
  provider: string;
  title: string;
  document: { filename: string; contentBase64: string };
  signers: { email: string; name: string }[];
  amount: Money;
  requiredSignatureLevel?: SignatureLevel;
  expiresAt?: Date;
  billing?: RegisterContractCommand['billing'];
  provisioning?: RegisterContractCommand['provisioning'];
  /** The caller's Idempotency-Key, scoped to its API key: a retry reaches the same envelope at the platform. */
  idempotency?: IdempotencyScope;
}

const MAX_DOCUMENT_BYTES = 10 * 1024 * 1024;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Sends a PDF for signature through the contract's provider, then registers the contract with the envelope
 * id the platform returned. The platform fires `envelope.sent` as soon as the envelope exists, usually before
 * the registration commits: those events are parked and applied by `ContractRegistered`.
 */
@Injectable()
export class SendContractForSignatureUseCase {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly providers: SignatureProviderRegistry,
    private readonly register: RegisterContractUseCase,
    private readonly address: PublicAddress,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async execute(command: SendContractCommand): Promise<string> {
    const pdf = decodePdf(command.document.contentBase64);
    // Everything registration would refuse is refused now, before the platform sends the signers anything.
    const { emails, billing } = this.register.check(command);
    if (command.expiresAt && command.expiresAt.getTime() <= Date.now()) {
      throw new ContractsError('CONTRACT.INVALID', 'expiresAt must be in the future', { field: 'expiresAt' });
    }
    // Checked before the platform is called, so a typo never leaves an orphan envelope behind.
    await requireBillableCustomer(this.dataSource, command.customerId, billing);

    const provider = this.providers.get(command.provider);
    // Asked of the platform, so signers are offered the level the contract will be checked against.
    const requiredLevel = requiredSignatureLevel(
      command.amount,
      command.requiredSignatureLevel,
      this.config.signaturePolicy,
    );
    const requestedAt = new Date();
    const envelope = await provider.createEnvelope({
      title: command.title,
      document: { filename: command.document.filename, content: pdf },
      signers: command.signers.map((s, i) => ({ name: s.name, email: emails[i] })),
      signatureLevel: requiredLevel,
      webhookUrl: `${this.address.url()}/webhooks/${provider.name}`,
      expiresAt: command.expiresAt,
      metadata: { signbridge_customer_id: command.customerId },
      idempotencyKey: providerIdempotencyKey(command),
    });

    const signingUrls: Record<string, string> = {};
    for (const signer of envelope.signers) if (signer.signingUrl) signingUrls[signer.email] = signer.signingUrl;
    try {
      return await this.register.execute({
        customerId: command.customerId,
        provider: provider.name,
        envelopeId: envelope.envelopeId,
        title: command.title,
        signers: command.signers,
        amount: command.amount,
        requiredSignatureLevel: requiredLevel,
        billing: command.billing,
        provisioning: command.provisioning,
        sent: {
          // The platform's instant when it gives one: its `sent` webhook then confirms this send, not another.
          at: envelope.sentAt ?? requestedAt,
          document: { filename: command.document.filename, sha256: sha256(pdf) },
          signingUrls,
        },
      });
    } catch (error) {
      // A retry of a send that registered before its answer was lost: the platform returned the same envelope.
      if (error instanceof ContractsError && error.code === 'CONTRACT.ENVELOPE_TAKEN') {
        const existing = await this.contractFor(provider.name, envelope.envelopeId, command.customerId);
        if (existing) return existing;
      }
      throw error;
    }
  }

  private async contractFor(provider: string, envelopeId: string, customerId: string): Promise<string | undefined> {
    const rows: { id: string }[] = await this.dataSource.query(
      `SELECT id FROM contracts WHERE provider = $1 AND envelope_id = $2 AND customer_id = $3`,
      [provider, envelopeId, customerId],
    );
    return rows[0]?.id;
  }
}

/** With an Idempotency-Key, the same key for every retry (per API key); without one, every call is new. */
function providerIdempotencyKey(command: SendContractCommand): string {
  if (!command.idempotency) return randomUUID();
  return `sb-${idempotencyDigest(command.idempotency).slice(0, 48)}`;
}

function decodePdf(contentBase64: string): Buffer {
  const compact = contentBase64.replace(/\s+/g, '');
  if (!BASE64.test(compact)) {
    throw new ContractsError('CONTRACT.INVALID', 'document.contentBase64 is not base64', {
      field: 'document.contentBase64',
    });
  }
  const pdf = Buffer.from(compact, 'base64');
  if (pdf.length > MAX_DOCUMENT_BYTES) {
    throw new ContractsError('CONTRACT.INVALID', 'document is larger than 10 MB', { field: 'document.contentBase64' });
  }
  if (pdf.subarray(0, 5).toString('latin1') !== '%PDF-') {
    throw new ContractsError('CONTRACT.INVALID', 'document is not a PDF (it does not start with %PDF-)', {
      field: 'document.contentBase64',
    });
  }
  return pdf;
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}
