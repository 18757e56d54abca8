import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { documentKey, FilesystemDocumentStore, S3DocumentStore, type DocumentStore } from '@app/archive';

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const pdf = (label: string) => Buffer.concat([Buffer.from(`%PDF-1.7\n% ${label}\n`), randomBytes(200_000)]);

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Files under a directory, recursively, as paths relative to it. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(dir.length + 1));
}

/** What both drivers must do, whatever they store on. */
function behavesAsADocumentStore(store: () => DocumentStore) {
  it('stores bytes under their SHA-256 and gives them back byte for byte', async () => {
    const bytes = pdf('signed');
    const stored = await store().put(bytes, { mediaType: 'application/pdf' });
    expect(stored).toEqual({
      key: documentKey(sha256(bytes)),
      sha256: sha256(bytes),
      size: bytes.length,
      created: true,
    });
    expect(await store().exists(stored.key)).toBe(true);
    const content = await store().get(stored.key);
    expect(content.size).toBe(bytes.length);
    const back = await readAll(content.stream);
    expect(sha256(back)).toBe(stored.sha256);
    expect(back.equals(bytes)).toBe(true);
  });

  it('hashes a stream as it arrives, in chunks', async () => {
    const bytes = pdf('streamed');
    const chunks = Array.from({ length: Math.ceil(bytes.length / 20_001) }, (_, i) =>
      bytes.subarray(i * 20_001, (i + 1) * 20_001),
    );
    const stored = await store().put(Readable.from(chunks), { mediaType: 'application/pdf' });
    expect(stored.sha256).toBe(sha256(bytes));
    expect(stored.size).toBe(bytes.length);
    expect((await readAll((await store().get(stored.key)).stream)).equals(bytes)).toBe(true);
  });

  it('stores the same bytes once: the second put finds them and reports created: false', async () => {
    const bytes = pdf('twice');
    const first = await store().put(bytes, { mediaType: 'application/pdf' });
    const second = await store().put(Readable.from([bytes]), { mediaType: 'application/pdf' });
    expect(second).toEqual({ ...first, created: false });
  });

  it('accepts bytes matching the expected SHA-256 (in either case)', async () => {
    const bytes = pdf('expected');
    const stored = await store().put(bytes, {
      mediaType: 'application/pdf',
      expectedSha256: sha256(bytes).toUpperCase(),
    });
    expect(stored.sha256).toBe(sha256(bytes));
  });

  it('refuses bytes that do not hash to the expected SHA-256, and stores nothing', async () => {
    const bytes = pdf('tampered');
    const stated = sha256(pdf('what the platform said'));
    await expect(store().put(bytes, { mediaType: 'application/pdf', expectedSha256: stated })).rejects.toMatchObject({
      code: 'DOCUMENT.HASH_MISMATCH',
      details: { expectedSha256: stated, actualSha256: sha256(bytes) },
    });
    expect(await store().exists(documentKey(sha256(bytes)))).toBe(false);
    expect(await store().exists(documentKey(stated))).toBe(false);
  });

  it('says when a key holds nothing', async () => {
    const key = documentKey(sha256(randomBytes(16)));
    expect(await store().exists(key)).toBe(false);
    await expect(store().get(key)).rejects.toMatchObject({ code: 'DOCUMENT.CONTENT_MISSING' });
  });

  it('refuses keys that are not content addresses', async () => {
    await expect(store().get('../../etc/passwd')).rejects.toMatchObject({ code: 'DOCUMENT.INVALID_KEY' });
    await expect(store().exists('sha256/00/../../x')).rejects.toMatchObject({ code: 'DOCUMENT.INVALID_KEY' });
  });
}

describe('FilesystemDocumentStore', () => {
  let root: string;
  let store: FilesystemDocumentStore;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'signbridge-docs-'));
    store = new FilesystemDocumentStore(root);
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  behavesAsADocumentStore(() => store);

  it('keeps one read-only file per content, and no staging leftovers', async () => {
    const bytes = pdf('files');
    const { key } = await store.put(bytes, { mediaType: 'application/pdf' });
    await store.put(bytes, { mediaType: 'application/pdf' });
    await store.put(Readable.from([bytes]), { mediaType: 'application/pdf' });
    const files = await filesUnder(root);
    expect(files.filter((f) => f.endsWith(sha256(bytes)))).toEqual([key]);
    expect(files.filter((f) => f.startsWith('.incoming'))).toEqual([]);
    expect((await stat(join(root, key))).mode & 0o777).toBe(0o444);
  });

  it('leaves nothing behind when the expected hash does not match', async () => {
    const before = await filesUnder(root);
    await expect(
      store.put(pdf('refused'), { mediaType: 'application/pdf', expectedSha256: 'ab'.repeat(32) }),
    ).rejects.toMatchObject({ code: 'DOCUMENT.HASH_MISMATCH' });
    expect(await filesUnder(root)).toEqual(before);
  });

  it('never overwrites a stored file, even when other bytes are written to its key directly', async () => {
    const original = pdf('original');
    const { key } = await store.put(original, { mediaType: 'application/pdf' });
    await expect(store.writeIfAbsent(key, pdf('forgery'))).resolves.toBe('exists');
    await expect(store.writeIfAbsent(key, Readable.from([pdf('forgery, streamed')]))).resolves.toBe('exists');
    expect((await readFile(join(root, key))).equals(original)).toBe(true);
    expect(await filesUnder(join(root, '.incoming'))).toEqual([]);
  });

  it('makes its directories again when they are removed behind its back', async () => {
    const own = await mkdtemp(join(tmpdir(), 'signbridge-docs-removed-'));
    try {
      const fresh = new FilesystemDocumentStore(own);
      await fresh.put(pdf('before'), { mediaType: 'application/pdf' });
      await rm(own, { recursive: true, force: true });
      const after = pdf('after');
      const { key } = await fresh.put(after, { mediaType: 'application/pdf' });
      expect((await readFile(join(own, key))).equals(after)).toBe(true);
      expect((await stat(join(own, key))).mode & 0o777).toBe(0o444);
    } finally {
      await rm(own, { recursive: true, force: true });
    }
  });

  it('writes through the lower-level path only where nothing is', async () => {
    const key = documentKey(sha256(randomBytes(8)));
    await expect(store.writeIfAbsent(key, Buffer.from('repair'))).resolves.toBe('created');
    expect((await readFile(join(root, key))).toString()).toBe('repair');
  });
});

describe('S3DocumentStore against an S3-protocol server (s3rver)', () => {
  const bucket = 'signbridge-test';
  let directory: string;
  let server: S3rver;
  let store: S3DocumentStore;

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'signbridge-s3rver-'));
    server = new S3rver({
      port: 0,
      address: '127.0.0.1',
      silent: true,
      directory,
      configureBuckets: [{ name: bucket }],
    });
    const { address, port } = await server.run();
    store = new S3DocumentStore({
      endpoint: `http://${address}:${port}`,
      bucket,
      region: 'us-east-1',
      accessKeyId: 'S3RVER',
      secretAccessKey: 'S3RVER',
      forcePathStyle: true,
    });
  });
  afterAll(async () => {
    store.onModuleDestroy();
    await server.close();
    await rm(directory, { recursive: true, force: true });
  });

  behavesAsADocumentStore(() => store);

  it('records the media type on the object', async () => {
    const bytes = pdf('typed');
    const { key } = await store.put(bytes, { mediaType: 'application/pdf' });
    const object = await store.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    expect(object.ContentType).toBe('application/pdf');
    expect(object.ContentLength).toBe(bytes.length);
    await readAll(object.Body as Readable);
  });

  it('never overwrites an object, even when other bytes are written to its key directly', async () => {
    const original = pdf('original');
    const { key } = await store.put(original, { mediaType: 'application/pdf' });
    await expect(store.writeIfAbsent(key, pdf('forgery'))).resolves.toBe('exists');
    const back = await readAll((await store.get(key)).stream);
    expect(back.equals(original)).toBe(true);
  });

  it('writes through the lower-level path only where nothing is', async () => {
    const key = documentKey(sha256(randomBytes(8)));
    await expect(store.writeIfAbsent(key, Buffer.from('repair'))).resolves.toBe('created');
    expect((await readAll((await store.get(key)).stream)).toString()).toBe('repair');
  });
});
