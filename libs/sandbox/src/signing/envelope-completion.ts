import { Injectable } from '@nestjs/common';
import { generateCompletionDocuments } from '../documents/completion-documents';
import { documentsInsert, findDocument } from '../envelopes/envelope.repository';
import type { EnvelopeRow, SignerRow } from '../envelopes/envelope.types';
import { completedMail } from '../mailbox/mail-templates';
import type { EnvelopeChanges } from '../platform/envelope-transactions';
import { SandboxPublicUrl } from '../platform/public-url';

/**
 * The last signature completes the envelope, in the same transaction: the documents are generated and
 * stored once (their hashes never change afterwards), then `envelope.completed` and a mail to every signer.
 */
@Injectable()
export class EnvelopeCompletion {
  constructor(private readonly urls: SandboxPublicUrl) {}

  async complete(changes: EnvelopeChanges, envelope: EnvelopeRow, signers: SignerRow[]): Promise<void> {
    const { tx, now } = changes;
    const original = await findDocument(tx, envelope.id, 'original');
    if (!original) throw new Error(`envelope ${envelope.id} has no original document`);
    const events = await changes.auditEvents(envelope.id);
    const documents = await generateCompletionDocuments({
      envelope,
      completedAt: now,
      original: original.bytes,
      signers,
      events,
    });
    // Written with the change's audit events, mails and webhooks, in the statement that ends its transaction.
    changes.alongside(
      'stored',
      documentsInsert(
        envelope.id,
        [
          ['signed', documents.signed],
          ['audit_trail', documents.auditTrail],
          ['evidence', documents.evidence],
        ],
        now,
      ),
    );
    changes.alongside('completion', {
      text: `UPDATE envelopes SET status = 'completed', completed_at = $2 WHERE id = $1`,
      values: [envelope.id, now],
    });
    const hashes = {
      document_sha256: original.sha256,
      signed_document_sha256: documents.signed.sha256,
      audit_trail_sha256: documents.auditTrail.sha256,
      evidence_sha256: documents.evidence.sha256,
    };
    changes.audit(envelope.id, 'completed', { detail: hashes });
    changes.webhook(envelope, 'envelope.completed', { completed_at: now.toISOString(), ...hashes });
    for (const signer of signers) changes.mail(completedMail(envelope, signer, this.urls.signingUrl(signer.token)));
  }
}
