import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DocumentError } from '../documents.errors';
import { documentKey } from './document-key';
import type { DocumentStore, PutOptions, StoredContent, StoredObject } from './document-store';

/** Bytes written to a local file while being hashed, waiting to be committed under their key. */
export interface StagedFile {
  path: string;
  size: number;
  sha256: string;
}

export type CommitOutcome = 'created' | 'exists';

/**
 * The put algorithm both drivers share: stage the bytes in a local file while hashing them (the key is the
 * hash, so it is known only at the end), check the expected hash, then commit under the key unless it exists.
 */
export abstract class ContentAddressedStore implements DocumentStore {
  /** A local directory for staged files; `fsync` says whether staged bytes must be durable before commit. */
  protected abstract staging(): Promise<{ dir: string; fsync: boolean }>;

  /** Stores the staged bytes under `key` unless something is there already; never replaces an object. */
  protected abstract commit(key: string, staged: StagedFile, mediaType: string): Promise<CommitOutcome>;

  abstract get(key: string): Promise<StoredContent>;
  abstract exists(key: string): Promise<boolean>;

  async put(content: Readable | Buffer, options: PutOptions): Promise<StoredObject> {
    const staged = await this.stage(content);
    try {
      const expected = options.expectedSha256?.toLowerCase();
      if (expected !== undefined && expected !== staged.sha256) {
        throw new DocumentError(
          'DOCUMENT.HASH_MISMATCH',
          `The bytes hash to ${staged.sha256}, not to the expected ${expected}; nothing was stored`,
          { expectedSha256: expected, actualSha256: staged.sha256, size: staged.size },
        );
      }
      const key = documentKey(staged.sha256);
      const outcome = await this.commit(key, staged, options.mediaType);
      return { key, sha256: staged.sha256, size: staged.size, created: outcome === 'created' };
    } finally {
      await rm(staged.path, { force: true });
    }
  }

  /**
   * Low level, for repair tools and tests: stores bytes under a key of the caller's choosing WITHOUT
   * checking that they hash to it. It still never replaces an existing object ('exists').
   */
  async writeIfAbsent(key: string, content: Readable | Buffer, mediaType = 'application/octet-stream') {
    const staged = await this.stage(content);
    try {
      return await this.commit(key, staged, mediaType);
    } finally {
      await rm(staged.path, { force: true });
    }
  }

  private async stage(content: Readable | Buffer): Promise<StagedFile> {
    const { dir, fsync } = await this.staging();
    await mkdir(dir, { recursive: true });
    const path = join(dir, `${randomUUID()}.part`);
    const hash = createHash('sha256');
    let size = 0;
    const hashing = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        hash.update(chunk);
        size += chunk.length;
        callback(null, chunk);
      },
    });
    const source = Buffer.isBuffer(content) ? Readable.from([content]) : content;
    try {
      await pipeline(source, hashing, createWriteStream(path, { flags: 'wx', mode: 0o600 }));
      if (fsync) {
        const handle = await open(path, 'r');
        try {
          await handle.sync();
        } finally {
          await handle.close();
        }
      }
    } catch (error) {
      await rm(path, { force: true });
      throw error;
    }
    return { path, size, sha256: hash.digest('hex') };
  }
}
