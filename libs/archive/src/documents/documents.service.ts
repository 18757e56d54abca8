import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { oneStatement, type SqlStatement } from '@app/common';
import type { DataSource, EntityManager } from 'typeorm';
import { DocumentError } from './documents.errors';
import {
  DOCUMENT_KINDS,
  type DocumentKind,
  type DocumentRecord,
  type RecordDocumentInput,
  type RecordedDocument,
  type StoreAndRecordInput,
} from './documents.types';
import { documentKey, isSha256Hex, sha256OfKey } from './store/document-key';
import { DOCUMENT_STORE, type DocumentStore } from './store/document-store';
import { verifyingStream } from './verifying-stream';

const MEDIA_TYPE = /^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/;
const COLUMNS = `id, contract_id, kind, media_type, size_bytes, sha256, storage_key, provider, provider_reference,
  stated_sha256, stored_at`;

interface DocumentRow {
  id: string;
  contract_id: string;
  kind: DocumentKind;
  media_type: string;
  size_bytes: string;
  sha256: string;
  storage_key: string;
  provider: string;
  provider_reference: string;
  stated_sha256: string | null;
  stored_at: Date;
}

/** Archived documents: their bytes in the DocumentStore, their record in the append-only `documents` table. */
@Injectable()
export class DocumentsService {
  private readonly logger = new Logger('Documents');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(DOCUMENT_STORE) private readonly documentStore: DocumentStore,
  ) {}

  /**
   * Stores the bytes (checking `statedSha256` first: a mismatch throws DOCUMENT.HASH_MISMATCH and stores
   * nothing), then records them in `em`'s transaction (`recordAll`). Bytes stored for a transaction that then
   * rolls back are harmless: they are content-addressed, and the retry finds them in place.
   */
  async storeAndRecord(em: EntityManager, input: StoreAndRecordInput): Promise<RecordedDocument> {
    const [recorded] = await this.recordAll(em, input.contractId, [await this.store(input)]);
    return recorded;
  }

  /** Stores the bytes, as `storeAndRecord` does, and returns their record to write; nothing is recorded yet. */
  async store(input: StoreAndRecordInput): Promise<RecordDocumentInput> {
    const { content, statedSha256, ...rest } = input;
    const stored = await this.documentStore.put(content, {
      mediaType: input.mediaType,
      expectedSha256: statedSha256 ?? undefined,
    });
    return { ...rest, statedSha256, sha256: stored.sha256, sizeBytes: stored.size, storageKey: stored.key };
  }

  /**
   * Records stored documents of one contract in `em`'s transaction, together with the caller's `alongside`
   * writes, in one statement; returns their records in the order given. One record per (contract, kind): when
   * it exists, the existing row is returned (`created: false`) and nothing is written, so an archive run twice
   * (or twice at once) records once. A different hash the second time is logged, never written over the first.
   */
  async recordAll(
    em: EntityManager,
    contractId: string,
    inputs: readonly RecordDocumentInput[],
    alongside: Record<string, SqlStatement | undefined> = {},
  ): Promise<RecordedDocument[]> {
    for (const input of inputs) {
      validate(input);
      if (input.contractId !== contractId) throw new Error(`recordAll: a document of ${input.contractId}`);
    }
    const kinds = inputs.map((i) => i.kind);
    const statement = oneStatement(
      {
        ...alongside,
        records: {
          text: `INSERT INTO documents (id, contract_id, kind, media_type, size_bytes, sha256, storage_key, provider,
                                        provider_reference, stated_sha256)
                 SELECT id, $2, kind, media_type, size_bytes, sha256, storage_key, provider, provider_reference,
                        stated_sha256
                   FROM unnest($1::uuid[], $3::text[], $4::text[], $5::bigint[], $6::text[], $7::text[], $8::text[],
                               $9::text[], $10::text[])
                     AS d(id, kind, media_type, size_bytes, sha256, storage_key, provider, provider_reference,
                          stated_sha256)
                 ON CONFLICT (contract_id, kind) DO NOTHING
                 RETURNING ${COLUMNS}`,
          values: [
            inputs.map(() => randomUUID()),
            contractId,
            kinds,
            inputs.map((i) => i.mediaType),
            inputs.map((i) => i.sizeBytes),
            inputs.map((i) => i.sha256),
            inputs.map((i) => i.storageKey),
            inputs.map((i) => i.provider),
            inputs.map((i) => i.providerReference),
            inputs.map((i) => i.statedSha256?.toLowerCase() ?? null),
          ],
        },
      },
      // The statement's snapshot is taken before its insert: the second half finds the rows recorded before it.
      {
        text: `SELECT true AS created, ${COLUMNS} FROM records
               UNION ALL
               SELECT false, ${COLUMNS} FROM documents WHERE contract_id = $1 AND kind = ANY($2::text[])`,
        values: [contractId, kinds],
      },
    );
    let rows: (DocumentRow & { created: boolean })[];
    try {
      rows = await em.query(statement.text, statement.values);
    } catch (error) {
      if ((error as { code?: string }).code === '23503') {
        throw new DocumentError('CONTRACT.NOT_FOUND', `No contract with id ${contractId}`, undefined, { cause: error });
      }
      throw error;
    }
    if (rows.length < inputs.length) {
      // A racing transaction committed a record after this statement's snapshot (the insert waited for it and
      // did nothing): a statement of its own sees it.
      const found = new Set(rows.map((row) => row.kind));
      const committed: (DocumentRow & { created: boolean })[] = await em.query(
        `SELECT false AS created, ${COLUMNS} FROM documents WHERE contract_id = $1 AND kind = ANY($2::text[])`,
        [contractId, kinds.filter((kind) => !found.has(kind))],
      );
      rows = [...rows, ...committed];
    }
    return inputs.map((input) => {
      const row = rows.find((r) => r.kind === input.kind);
      if (!row) throw new Error(`documents: conflict on (${contractId}, ${input.kind}) but no row found`);
      if (!row.created && row.sha256 !== input.sha256) this.logKept(toRecord(row), input.sha256);
      return { ...toRecord(row), created: row.created };
    });
  }

  /** The documents of a contract, oldest first; CONTRACT.NOT_FOUND for an unknown contract. */
  async listForContract(contractId: string): Promise<DocumentRecord[]> {
    const contract = (await this.dataSource.query(`SELECT 1 FROM contracts WHERE id = $1`, [contractId])) as unknown[];
    if (contract.length === 0) throw new DocumentError('CONTRACT.NOT_FOUND', `No contract with id ${contractId}`);
    const rows = (await this.dataSource.query(
      `SELECT ${COLUMNS} FROM documents WHERE contract_id = $1 ORDER BY stored_at, id`,
      [contractId],
    )) as DocumentRow[];
    return rows.map(toRecord);
  }

  async find(id: string): Promise<DocumentRecord> {
    const [row] = (await this.dataSource.query(`SELECT ${COLUMNS} FROM documents WHERE id = $1`, [
      id,
    ])) as DocumentRow[];
    if (!row) throw new DocumentError('DOCUMENT.NOT_FOUND', `No document with id ${id}`);
    return toRecord(row);
  }

  /**
   * The document and a stream of its bytes, verified on the way out. A size that differs from the record is
   * caught before anything is sent (DOCUMENT.CONTENT_CORRUPT, a 500 with an errorId). Different bytes of the
   * same size can only be known at the end, after the headers went out: then the stream fails before its
   * last chunk (the client sees a cut-short body) and an error naming the document id is logged.
   */
  async openContent(id: string): Promise<{ document: DocumentRecord; stream: Readable; size: number }> {
    const document = await this.find(id);
    const content = await this.documentStore.get(document.storageKey);
    if (content.size !== document.sizeBytes) {
      content.stream.destroy();
      this.logCorrupt(document, `size ${content.size}`);
      throw new DocumentError(
        'DOCUMENT.CONTENT_CORRUPT',
        `The stored bytes of document ${id} are not the recorded ones`,
      );
    }
    const verified = verifyingStream({ sha256: document.sha256, size: document.sizeBytes }, (actual) =>
      this.logCorrupt(document, `sha256 ${actual.sha256}, size ${actual.size}`),
    );
    content.stream.on('error', (error) => verified.destroy(error));
    return { document, stream: content.stream.pipe(verified), size: document.sizeBytes };
  }

  private logKept(existing: DocumentRecord, ignoredSha256: string): void {
    this.logger.warn(
      `document ${existing.id} (${existing.contractId}, ${existing.kind}) is already recorded with sha256 ` +
        `${existing.sha256}; kept it, ignored ${ignoredSha256}`,
    );
  }

  private logCorrupt(document: DocumentRecord, actual: string): void {
    this.logger.error(
      `DOCUMENT.CONTENT_CORRUPT document ${document.id} (contract ${document.contractId}, ${document.kind}, ` +
        `key ${document.storageKey}): recorded sha256 ${document.sha256}, size ${document.sizeBytes}; read ${actual}`,
    );
  }
}

function validate(input: RecordDocumentInput): void {
  const problems: string[] = [];
  if (!(DOCUMENT_KINDS as readonly string[]).includes(input.kind)) problems.push(`kind: one of ${DOCUMENT_KINDS}`);
  if (!MEDIA_TYPE.test(input.mediaType)) problems.push('mediaType: a lowercase type/subtype');
  if (!Number.isSafeInteger(input.sizeBytes) || input.sizeBytes < 0) problems.push('sizeBytes: a whole number');
  if (!isSha256Hex(input.sha256)) problems.push('sha256: 64 lowercase hex digits');
  else if (input.storageKey !== documentKey(input.sha256)) problems.push('storageKey: the key of sha256');
  if (!input.provider || !input.providerReference) problems.push('provider, providerReference: required');
  if (problems.length > 0) throw new DocumentError('DOCUMENT.INVALID', `Invalid document: ${problems.join('; ')}`);
  sha256OfKey(input.storageKey);
  const stated = input.statedSha256?.toLowerCase();
  if (stated && stated !== input.sha256) {
    throw new DocumentError(
      'DOCUMENT.HASH_MISMATCH',
      `The bytes hash to ${input.sha256}, not to the stated ${stated}`,
      {
        expectedSha256: stated,
        actualSha256: input.sha256,
      },
    );
  }
}

function toRecord(row: DocumentRow): DocumentRecord {
  return {
    id: row.id,
    contractId: row.contract_id,
    kind: row.kind,
    mediaType: row.media_type,
    sizeBytes: Number(row.size_bytes),
    sha256: row.sha256,
    storageKey: row.storage_key,
    provider: row.provider,
    providerReference: row.provider_reference,
    statedSha256: row.stated_sha256,
    storedAt: row.stored_at,
  };
}
