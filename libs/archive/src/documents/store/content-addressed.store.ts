import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, unlink } from 'node:fs/promises';
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
  /**
   * A local directory for staged files; `fsync` says whether staged bytes must be durable before commit, `mode`
   * which permissions a staged file is created with (the umask applies).
   */
  protected abstract staging(): Promise<{ dir: string; fsync: boolean; mode: number }>;

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
      await removeStaged(staged.path);
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
      await removeStaged(staged.path);
    }
  }

  private async stage(content: Readable | Buffer): Promise<StagedFile> {
    const { dir, fsync, mode } = await this.staging();
    const path = join(dir, `${randomUUID()}.part`);
    try {
      if (Buffer.isBuffer(content)) return await this.inDirectory(dir, () => stageBuffer(path, content, fsync, mode));
      // A stream cannot be written twice, so no retry: the directory is made every time.
      await mkdir(dir, { recursive: true });
      return await stageStream(path, content, fsync, mode);
    } catch (error) {
      await removeStaged(path);
      throw error;
    }
  }

  private readonly knownDirectories = new Set<string>();

  /**
   * Runs `write` (which creates an entry in `dir`) after `mkdir -p dir`, made once per directory and process;
   * a directory removed behind the process's back (ENOENT) is made again and `write` tried once more.
   */
  protected async inDirectory<T>(dir: string, write: () => Promise<T>): Promise<T> {
    if (!this.knownDirectories.has(dir)) {
      await mkdir(dir, { recursive: true });
      this.knownDirectories.add(dir);
    }
    try {
      return await write();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      await mkdir(dir, { recursive: true });
      return write();
    }
  }
}

/** A staged file, gone or never made. `unlink` alone: `rm` would look the path up first. */
async function removeStaged(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

/**
 * Bytes already in memory: one open, one write, one fsync on the same descriptor; no stream machinery. The file
 * is created with its final `mode`: a descriptor that created the file may write to it whatever the mode says.
 */
async function stageBuffer(path: string, content: Buffer, fsync: boolean, mode: number): Promise<StagedFile> {
  const handle = await open(path, 'wx', mode);
  try {
    await handle.writeFile(content);
    if (fsync) await handle.sync();
  } finally {
    await handle.close();
  }
  return { path, size: content.length, sha256: createHash('sha256').update(content).digest('hex') };
}

async function stageStream(path: string, content: Readable, fsync: boolean, mode: number): Promise<StagedFile> {
  const hash = createHash('sha256');
  let size = 0;
  const hashing = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      size += chunk.length;
      callback(null, chunk);
    },
  });
  await pipeline(content, hashing, createWriteStream(path, { flags: 'wx', mode }));
  if (fsync) {
    const handle = await open(path, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }
  return { path, size, sha256: hash.digest('hex') };
}
