import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { Logger } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { DocumentsService, type DocumentKind, type RecordedDocument } from '@app/archive';
import { registerParty } from '../support/scenario';
import { api, eventually, startTestApp, TEST_ADMIN_KEY, type TestApp } from '../support/test-app';
import { connectTestDatabase } from '../support/test-db';

type Problem = { status: number; code: string; detail: string; errorId?: string };
type DocumentView = {
  id: string;
  contractId: string;
  kind: string;
  mediaType: string;
  sizeBytes: number;
  sha256: string;
  storedAt: string;
  providerReference: string;
};

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const pdf = (label: string) => Buffer.concat([Buffer.from(`%PDF-1.7\n% ${label}\n`), randomBytes(150_000)]);

/** The documents API over HTTP, on the real app, the test database and a filesystem store of its own. */
describe('documents API', () => {
  let target: TestApp;
  let db: DataSource;
  let documentsDir: string;
  let documents: DocumentsService;

  beforeAll(async () => {
    documentsDir = await mkdtemp(join(tmpdir(), 'signbridge-api-docs-'));
    target = await startTestApp({ env: { DOCUMENTS_DIR: documentsDir } });
    db = await connectTestDatabase(4);
    documents = target.app.get(DocumentsService);
  });
  afterAll(async () => {
    await target.close();
    await db.destroy();
    await rm(documentsDir, { recursive: true, force: true });
  });
  afterEach(() => jest.restoreAllMocks());

  const call = <T = Problem>(path: string, key?: string) => api<T>(target.url, 'GET', path, undefined, key);

  function archive(contractId: string, kind: DocumentKind, bytes: Buffer, statedSha256?: string) {
    return documents.storeAndRecord(db.manager, {
      contractId,
      kind,
      mediaType: 'application/pdf',
      provider: 'sandbox',
      providerReference: `env_x/${kind}.pdf`,
      content: Readable.from([bytes]),
      statedSha256,
    });
  }

  async function rowsOf(contractId: string): Promise<{ id: string; kind: string; sha256: string }[]> {
    return db.query(`SELECT id, kind, sha256 FROM documents WHERE contract_id = $1 ORDER BY kind`, [contractId]);
  }

  it('lists the documents recorded for a contract', async () => {
    const { contractId } = await registerParty(target.url);
    const signed = pdf('signed');
    const evidence = pdf('evidence');
    const a = await archive(contractId, 'signed', signed, sha256(signed));
    const b = await archive(contractId, 'evidence', evidence);
    expect([a.created, b.created]).toEqual([true, true]);
    expect(a).toMatchObject({ sha256: sha256(signed), sizeBytes: signed.length, statedSha256: sha256(signed) });

    const res = await call<{ items: DocumentView[] }>(`/api/v1/contracts/${contractId}/documents`);
    expect(res.status).toBe(200);
    const byKind = Object.fromEntries(res.body.items.map((d) => [d.kind, d]));
    expect(res.body.items).toHaveLength(2);
    expect(byKind.signed).toEqual({
      id: a.id,
      contractId,
      kind: 'signed',
      mediaType: 'application/pdf',
      sizeBytes: signed.length,
      sha256: sha256(signed),
      storedAt: a.storedAt.toISOString(),
      providerReference: 'env_x/signed.pdf',
    });
    expect(byKind.evidence).toMatchObject({ id: b.id, sha256: sha256(evidence), sizeBytes: evidence.length });
  });

  it('lists nothing for a contract without documents, and 404 for an unknown contract', async () => {
    const { contractId } = await registerParty(target.url);
    expect((await call(`/api/v1/contracts/${contractId}/documents`)).body).toEqual({ items: [] });
    const unknown = await call(`/api/v1/contracts/${randomUUID()}/documents`);
    expect({ status: unknown.status, code: unknown.body.code }).toEqual({ status: 404, code: 'CONTRACT.NOT_FOUND' });
    expect(unknown.headers.get('content-type')).toContain('application/problem+json');
    expect((await call(`/api/v1/contracts/not-a-uuid/documents`)).status).toBe(400);
  });

  it('serves the bytes with their type, length, RFC 9530 digest and a file name', async () => {
    const { contractId } = await registerParty(target.url);
    const bytes = pdf('download');
    const document = await archive(contractId, 'signed', bytes);

    const response = await fetch(`${target.url}/api/v1/documents/${document.id}/content`, {
      headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` },
    });
    expect(response.status).toBe(200);
    const body = Buffer.from(await response.arrayBuffer());
    expect(body.equals(bytes)).toBe(true);
    expect(response.headers.get('content-type')).toBe('application/pdf');
    expect(response.headers.get('content-length')).toBe(String(body.length));
    expect(response.headers.get('repr-digest')).toBe(`sha-256=:${createHash('sha256').update(body).digest('base64')}:`);
    expect(response.headers.get('content-disposition')).toBe(`attachment; filename="${contractId}-signed.pdf"`);
  });

  it('404 for an unknown document, 401 without a key on both routes', async () => {
    const missing = await call(`/api/v1/documents/${randomUUID()}/content`);
    expect({ status: missing.status, code: missing.body.code }).toEqual({ status: 404, code: 'DOCUMENT.NOT_FOUND' });
    for (const path of [`/api/v1/documents/${randomUUID()}/content`, `/api/v1/contracts/${randomUUID()}/documents`]) {
      const response = await fetch(`${target.url}${path}`);
      expect(response.status).toBe(401);
      expect(((await response.json()) as Problem).code).toBe('AUTH.UNAUTHENTICATED');
    }
  });

  it('records a (contract, kind) once: twice in a row, or several at once', async () => {
    const { contractId } = await registerParty(target.url);
    const bytes = pdf('idempotent');
    const first = await archive(contractId, 'evidence', bytes);
    const again = await archive(contractId, 'evidence', bytes);
    expect(again).toEqual({ ...first, created: false });

    const racing = await Promise.all(Array.from({ length: 5 }, () => archive(contractId, 'signed', pdf('race'))));
    expect(racing.filter((d) => d.created)).toHaveLength(1);
    expect(new Set(racing.map((d) => d.id)).size).toBe(1);
    expect((await rowsOf(contractId)).map((r) => r.kind)).toEqual(['evidence', 'signed']);
  });

  it('returns the record a racing transaction committed while its own insert waited for it', async () => {
    const { contractId } = await registerParty(target.url);
    const input = await documents.store({
      contractId,
      kind: 'signed',
      mediaType: 'application/pdf',
      provider: 'sandbox',
      providerReference: 'env_x/signed.pdf',
      content: pdf('raced'),
    });
    const holder = db.createQueryRunner();
    await holder.connect();
    try {
      await holder.startTransaction();
      const [held] = await documents.recordAll(holder.manager, contractId, [input]);
      // Started after the holder's insert, so its statement cannot see that row when the holder commits.
      const waiting = documents.recordAll(db.manager, contractId, [input]);
      await eventually(
        async () =>
          Number(
            (
              await db.query(
                `SELECT count(*) FROM pg_stat_activity
                  WHERE wait_event_type = 'Lock' AND query LIKE '%INSERT INTO documents%'`,
              )
            )[0].count,
          ) > 0 || undefined,
        { what: 'the second insert to wait for the first' },
      );
      await holder.commitTransaction();
      const [recorded] = await waiting;
      expect(recorded).toEqual({ ...held, created: false });
    } finally {
      await holder.release();
    }
  });

  it('keeps the first record when a second run brings other bytes', async () => {
    const { contractId } = await registerParty(target.url);
    const first = await archive(contractId, 'signed', pdf('first'));
    const second: RecordedDocument = await archive(contractId, 'signed', pdf('second'));
    expect(second).toMatchObject({ id: first.id, sha256: first.sha256, created: false });
  });

  it('records nothing when the bytes do not match the stated hash', async () => {
    const { contractId } = await registerParty(target.url);
    await expect(archive(contractId, 'signed', pdf('tampered'), 'ab'.repeat(32))).rejects.toMatchObject({
      code: 'DOCUMENT.HASH_MISMATCH',
    });
    expect(await rowsOf(contractId)).toEqual([]);
  });

  it('refuses a record for an unknown contract', async () => {
    await expect(archive(randomUUID(), 'signed', pdf('orphan'))).rejects.toMatchObject({ code: 'CONTRACT.NOT_FOUND' });
  });

  it('the documents table refuses UPDATE, DELETE and TRUNCATE, even to the superuser', async () => {
    const { contractId } = await registerParty(target.url);
    const document = await archive(contractId, 'signed', pdf('immutable'));
    await expect(
      db.query(`UPDATE documents SET sha256 = $2 WHERE id = $1`, [document.id, 'ab'.repeat(32)]),
    ).rejects.toThrow(/append-only: UPDATE refused/);
    await expect(db.query(`DELETE FROM documents WHERE id = $1`, [document.id])).rejects.toThrow(
      /append-only: DELETE refused/,
    );
    await expect(db.query(`TRUNCATE documents`)).rejects.toThrow(/append-only: TRUNCATE refused/);
    expect(await rowsOf(contractId)).toEqual([{ id: document.id, kind: 'signed', sha256: document.sha256 }]);
  });

  describe('when the stored bytes were changed behind its back', () => {
    it('cuts the download short and logs the document id when same-size bytes differ', async () => {
      const { contractId } = await registerParty(target.url);
      const bytes = pdf('to be forged');
      const document = await archive(contractId, 'signed', bytes);
      const forged = Buffer.from(bytes);
      forged[forged.length - 1] ^= 0xff;
      await overwrite(document.storageKey, forged);
      const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);

      const response = await fetch(`${target.url}/api/v1/documents/${document.id}/content`, {
        headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` },
      });
      expect(response.status).toBe(200);
      const received = await response.arrayBuffer().then(
        (body) => Buffer.from(body),
        () => 'connection cut',
      );
      // Either the read fails or the body is short: never the complete, forged bytes.
      if (received !== 'connection cut') expect(received.length).toBeLessThan(bytes.length);
      expect(logged.mock.calls.map((c) => String(c[0])).join('\n')).toContain(
        `DOCUMENT.CONTENT_CORRUPT document ${document.id}`,
      );
    });

    it('answers 500 DOCUMENT.CONTENT_CORRUPT, before any byte, when the size differs', async () => {
      const { contractId } = await registerParty(target.url);
      const document = await archive(contractId, 'evidence', pdf('to be truncated'));
      await overwrite(document.storageKey, Buffer.from('%PDF-1.7\n'));
      const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
      const res = await call(`/api/v1/documents/${document.id}/content`);
      expect({ status: res.status, code: res.body.code }).toEqual({ status: 500, code: 'DOCUMENT.CONTENT_CORRUPT' });
      expect(typeof res.body.errorId).toBe('string');
      expect(logged.mock.calls.map((c) => String(c[0])).join('\n')).toContain(document.id);
    });
  });

  /** What someone with write access to the disk could do; the store itself never does it. */
  async function overwrite(key: string, bytes: Buffer): Promise<void> {
    const path = join(documentsDir, key);
    await chmod(path, 0o644);
    await writeFile(path, bytes);
  }
});
