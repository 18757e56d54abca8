import { Injectable } from '@nestjs/common';
import { SandboxDatabase } from '../../database/sandbox-database';
import { EnvelopeTransactions, type EnvelopeChanges } from '../../platform/envelope-transactions';
import { newId, newSigningToken } from '../../platform/ids';
import { SandboxPublicUrl } from '../../platform/public-url';
import { SandboxError } from '../../sandbox.errors';
import { WebhookOutbox } from '../../webhooks/webhook-outbox';
import { findEnvelope, insertDocument } from '../envelope.repository';
import type { EnvelopeRow, SignerRow } from '../envelope.types';
import { EnvelopeQueries } from '../envelope.queries';
import type { EnvelopeDto } from '../envelope.view';
import { sendInvitation } from '../invitations';
import type { CreateEnvelopeCommand } from './create-envelope.command';

/** Another request holds (or held) the same Idempotency-Key: answer from what it created. */
class KeyTaken extends Error {}

export interface CreatedEnvelope {
  envelope: EnvelopeDto;
  /** True when an Idempotency-Key matched an earlier identical request: nothing was created or sent. */
  replayed: boolean;
}

/**
 * Creates an envelope and sends it, all in one transaction: rows, original document, invitations,
 * audit events, and the `envelope.sent` / `envelope.delivered` webhooks.
 */
@Injectable()
export class CreateEnvelopeUseCase {
  constructor(
    private readonly database: SandboxDatabase,
    private readonly transactions: EnvelopeTransactions,
    private readonly outbox: WebhookOutbox,
    private readonly urls: SandboxPublicUrl,
    private readonly queries: EnvelopeQueries,
  ) {}

  async execute(command: CreateEnvelopeCommand, idempotencyKey?: string): Promise<CreatedEnvelope> {
    const envelopeId = newId('env');
    let messageIds: string[];
    try {
      ({ messageIds } = await this.transactions.run(async (changes) => {
        if (idempotencyKey !== undefined) {
          // Claimed first: a concurrent request with the same key waits here until this one commits or rolls back.
          const claimed = await changes.tx.query(
            `INSERT INTO idempotency_keys (key, request_hash, envelope_id) VALUES ($1, $2, $3)
             ON CONFLICT (key) DO NOTHING RETURNING key`,
            [idempotencyKey, command.requestHash, envelopeId],
          );
          if (claimed.length === 0) throw new KeyTaken();
        }
        await this.insert(changes, envelopeId, command);
      }));
    } catch (error) {
      if (error instanceof KeyTaken && idempotencyKey !== undefined) return this.replay(idempotencyKey, command);
      throw error;
    }
    if (this.outbox.faults().deliverBeforeResponse && messageIds.length > 0) {
      await this.outbox.deliverNow([messageIds[0]]);
    }
    return { envelope: await this.queries.view(envelopeId), replayed: false };
  }

  private async insert(changes: EnvelopeChanges, envelopeId: string, command: CreateEnvelopeCommand): Promise<void> {
    const { tx, now } = changes;
    await tx.query(
      `INSERT INTO envelopes (id, title, status, signature_level, webhook_url, metadata, document_filename, expires_at, created_at)
       VALUES ($1, $2, 'sent', $3, $4, $5, $6, $7, $8)`,
      [
        envelopeId,
        command.title,
        command.signatureLevel,
        command.webhookUrl,
        command.metadata,
        command.document.filename,
        command.expiresAt,
        now,
      ],
    );
    const signers: SignerRow[] = [];
    for (const [position, signer] of command.signers.entries()) {
      const [row] = await tx.query<SignerRow>(
        `INSERT INTO signers (id, envelope_id, position, name, email, phone, token, status)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending') RETURNING *`,
        [newId('sgn'), envelopeId, position, signer.name, signer.email, signer.phone, newSigningToken()],
      );
      signers.push(row);
    }
    const { bytes, sha256, filename, pages } = command.document;
    await insertDocument(tx, envelopeId, 'original', { mediaType: 'application/pdf', bytes, sha256 }, now);
    changes.audit(envelopeId, 'created', {
      detail: { title: command.title, signature_level: command.signatureLevel, document: { filename, sha256, pages } },
    });
    const envelope: EnvelopeRow = await findEnvelope(tx, envelopeId);
    changes.webhook(envelope, 'envelope.sent', {
      title: command.title,
      signature_level: command.signatureLevel,
      document_sha256: sha256,
      signers: signers.map((s) => ({ email: s.email, name: s.name })),
      metadata: command.metadata,
    });
    for (const signer of signers) await sendInvitation(changes, envelope, signer, this.urls, { reminder: false });
  }

  private async replay(key: string, command: CreateEnvelopeCommand): Promise<CreatedEnvelope> {
    const [row] = await this.database.query<{ request_hash: string; envelope_id: string }>(
      'SELECT request_hash, envelope_id FROM idempotency_keys WHERE key = $1',
      [key],
    );
    if (!row) throw new Error(`Idempotency-Key ${key} vanished after a conflict`);
    if (row.request_hash !== command.requestHash) {
      throw new SandboxError('IDEMPOTENCY.KEY_REUSED', 'This Idempotency-Key was used with a different request', {
        envelope_id: row.envelope_id,
      });
    }
    return { envelope: await this.queries.view(row.envelope_id), replayed: true };
  }
}
