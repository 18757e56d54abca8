import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import {
  appendToOutbox,
  causedBy,
  JobRegistry,
  outboxInsert,
  type DomainEvent,
  type DomainEventDraft,
  type OutboxRef,
} from '@app/event-bus';
import {
  ProviderError,
  SignatureProviderRegistry,
  type ProviderDocument,
  type SignatureRecord,
} from '@app/signature-providers';
import { APP_CONFIG, type AppConfig, type SqlStatement } from '@app/common';
import type { EntityManager } from 'typeorm';
import { DocumentsService } from '../documents/documents.service';
import type { DocumentKind } from '../documents/documents.types';

interface SignedContract {
  id: string;
  provider: string;
  envelope_id: string;
  document_sha256: string | null;
  lifecycle: { signers: ArchivedSigner[] };
}

interface ArchivedSigner {
  email: string;
  name: string;
  signature?: {
    at: string;
    level?: string;
    ip?: string;
    userAgent?: string;
    authMethod?: string;
    otpVerified?: boolean;
  };
}

type Outcome = { outcome: 'done' | 'skipped'; emitted: OutboxRef[] };

/**
 * On `ContractSigned`: downloads the signed PDF and the evidence (audit trail) through the provider port, from
 * its configured base URL only, checks each against the SHA-256 the platform states, stores the bytes in the
 * content-addressed archive, writes one evidence record per signer, and reports `DocumentsArchived`, or
 * `EvidenceRejected` when the platform's documents cannot be trusted. A platform that is down or not ready
 * throws: the job is retried with backoff, and the receipt makes a second success impossible.
 */
@Injectable()
export class ArchiveEvidenceWhenContractSignedHandler implements OnModuleInit {
  private readonly logger = new Logger('Archive');

  constructor(
    private readonly registry: JobRegistry,
    private readonly providers: SignatureProviderRegistry,
    private readonly documents: DocumentsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.registry.registerSubscriber('archive.archive-evidence', (event, em) => this.handle(event, em));
  }

  async handle(event: DomainEvent, em: EntityManager): Promise<Outcome> {
    if (event.type !== 'ContractSigned') return { outcome: 'skipped', emitted: [] };
    const rows: SignedContract[] = await em.query(
      `SELECT id, provider, envelope_id, document_sha256, lifecycle FROM contracts WHERE id = $1`,
      [event.aggregateId],
    );
    const contract = rows[0];
    if (!contract) return { outcome: 'skipped', emitted: [] };

    const provider = this.providers.get(contract.provider);
    let signed: ProviderDocument;
    let evidence: ProviderDocument;
    // What SignBridge sent itself is archived too, and must be what the platform had signed.
    let original: ProviderDocument | undefined;
    let records: SignatureRecord[];
    try {
      // At once: the latency is the slowest download, not the sum.
      [signed, evidence, original, records] = await Promise.all([
        provider.downloadSignedDocument(contract.envelope_id),
        provider.downloadEvidence(contract.envelope_id),
        contract.document_sha256 ? provider.downloadOriginalDocument(contract.envelope_id) : undefined,
        provider.signatureRecords(contract.envelope_id),
      ]);
    } catch (error) {
      if (error instanceof ProviderError && error.code === 'PROVIDER.ENVELOPE_NOT_FOUND') {
        return this.reject(em, event, 'EVIDENCE.UNAVAILABLE', error.message);
      }
      // Unreachable, 5xx, or not completed yet (409): the queue retries with backoff.
      throw error;
    }
    for (const [kind, document] of [
      ['signed PDF', signed],
      ['evidence', evidence],
    ] as const) {
      if (document.statedSha256 !== null && document.statedSha256 !== document.sha256) {
        const detail = `${kind}: the platform states SHA-256 ${document.statedSha256}, the bytes hash to ${document.sha256}`;
        this.logger.warn(`contract ${contract.id}: ${detail}`);
        return this.reject(em, event, 'EVIDENCE.HASH_MISMATCH', detail);
      }
    }
    if (original && original.sha256 !== contract.document_sha256) {
      const detail = `original: SignBridge sent SHA-256 ${contract.document_sha256}, the platform holds ${original.sha256}`;
      this.logger.warn(`contract ${contract.id}: ${detail}`);
      return this.reject(em, event, 'EVIDENCE.HASH_MISMATCH', detail);
    }

    // The evidence document is complete at completion, whatever order the webhooks came in; the webhook's
    // details fill what it leaves out.
    const evidenceRows = contract.lifecycle.signers.map((signer) => toEvidence(signer, records));
    const unsigned = evidenceRows.filter((row) => row.signedAt === null).map((row) => row.email);
    if (unsigned.length > 0) {
      // Neither the platform's evidence nor a webhook says when they signed. A late `signer.signed` webhook may
      // still say it, so this is retried; past the wait, the platform will not say it (someone else signed the
      // envelope, or the contract lists a signer the platform never had): staff look at it.
      const waited = Date.now() - Date.parse(event.occurredAt);
      const missing = `no signing time for ${unsigned.join(', ')} in the evidence of contract ${contract.id}`;
      if (waited < this.config.evidenceWaitMs) throw new Error(missing);
      const detail = `${missing}, ${Math.round(waited / 1000)} s after the contract was signed`;
      this.logger.warn(detail);
      return this.reject(em, event, 'EVIDENCE.INCOMPLETE', detail);
    }
    const stored = await Promise.all(
      (
        [
          ['original', original],
          ['signed', signed],
          ['evidence', evidence],
        ] as const
      )
        .filter((entry): entry is [DocumentKind, ProviderDocument] => entry[1] !== undefined)
        .map(([kind, document]) =>
          this.documents.store({
            contractId: contract.id,
            kind,
            mediaType: document.mediaType,
            provider: contract.provider,
            providerReference: `${contract.envelope_id}/${kind}`,
            content: document.content,
            statedSha256: document.statedSha256,
          }),
        ),
    );
    const outbox = outboxInsert(
      [
        {
          type: 'DocumentsArchived',
          data: { signedSha256: signed.sha256, evidenceSha256: evidence.sha256, signers: evidenceRows.length },
        },
      ],
      causedBy(event, 'contract', event.aggregateId),
    );
    // The document records, one evidence record per signer and the event: one statement.
    await this.documents.recordAll(em, contract.id, stored, {
      evidence: evidenceInsert(contract, signed.sha256, evidence.sha256, evidenceRows),
      events: outbox?.statement,
    });
    return { outcome: 'done', emitted: outbox?.refs ?? [] };
  }

  private reject(
    em: EntityManager,
    event: DomainEvent,
    reason: DomainEvent<'EvidenceRejected'>['data']['reason'],
    detail: string,
  ): Promise<Outcome> {
    return this.emit(event, em, { type: 'EvidenceRejected', data: { reason, detail } });
  }

  private async emit(event: DomainEvent, em: EntityManager, draft: DomainEventDraft): Promise<Outcome> {
    const emitted = await appendToOutbox(em, [draft], causedBy(event, 'contract', event.aggregateId));
    return { outcome: 'done', emitted };
  }
}

interface EvidenceRow {
  email: string;
  name: string;
  signedAt: string | null;
  ip: string | null;
  userAgent: string | null;
  authMethod: string | null;
  level: string | null;
  otpVerified: boolean | null;
}

function toEvidence(signer: ArchivedSigner, records: SignatureRecord[]): EvidenceRow {
  const record = records.find((r) => r.email === signer.email);
  const webhook = signer.signature;
  return {
    email: signer.email,
    name: record?.name ?? signer.name,
    signedAt: record?.signedAt?.toISOString() ?? webhook?.at ?? null,
    ip: record?.ip ?? webhook?.ip ?? null,
    userAgent: record?.userAgent ?? webhook?.userAgent ?? null,
    authMethod: record?.authMethod ?? webhook?.authMethod ?? null,
    level: record?.level ?? webhook?.level ?? null,
    otpVerified: record?.otpVerified ?? webhook?.otpVerified ?? null,
  };
}

/** One evidence record per signer; ON CONFLICT: a signer recorded once keeps that record. */
function evidenceInsert(
  contract: SignedContract,
  signedSha256: string,
  evidenceSha256: string,
  rows: readonly EvidenceRow[],
): SqlStatement {
  return {
    text: `INSERT INTO signature_evidence (contract_id, signer_email, signer_name, signed_at, ip, user_agent, auth_method,
                                           signature_level, otp_verified, document_sha256, signed_document_sha256,
                                           evidence_document_sha256)
           SELECT $1::uuid, signer_email, signer_name, signed_at, ip, user_agent, auth_method, signature_level, otp_verified,
                  $2::text, $3::text, $4::text
             FROM unnest($5::text[], $6::text[], $7::timestamptz[], $8::text[], $9::text[], $10::text[], $11::text[],
                         $12::boolean[])
               AS e(signer_email, signer_name, signed_at, ip, user_agent, auth_method, signature_level, otp_verified)
           ON CONFLICT (contract_id, signer_email) DO NOTHING`,
    values: [
      contract.id,
      contract.document_sha256,
      signedSha256,
      evidenceSha256,
      rows.map((r) => r.email),
      rows.map((r) => r.name),
      rows.map((r) => r.signedAt),
      rows.map((r) => r.ip),
      rows.map((r) => r.userAgent),
      rows.map((r) => r.authMethod),
      rows.map((r) => r.level),
      rows.map((r) => r.otpVerified),
    ],
  };
}
