import { createReadStream } from 'node:fs';
import { link, open, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { DocumentError } from '../documents.errors';
import { ContentAddressedStore, type CommitOutcome, type StagedFile } from './content-addressed.store';
import { sha256OfKey } from './document-key';
import type { StoredContent } from './document-store';

/**
 * Documents as read-only files under a root directory, at their content address. Bytes are staged in
 * `<root>/.incoming` (the same filesystem, so the final step is a link, not a copy) in a read-only file, fsynced,
 * then hard-linked to their key: link() fails with EEXIST instead of replacing, so a file, once there, stays
 * as it is, and a crash leaves either no file or a complete one (never a partial file under a key).
 */
export class FilesystemDocumentStore extends ContentAddressedStore {
  constructor(readonly root: string) {
    super();
  }

  protected async staging() {
    // Read-only from the start: the hard link to the key shares the mode, so no chmod is needed.
    return { dir: join(this.root, '.incoming'), fsync: true, mode: 0o444 };
  }

  protected async commit(key: string, staged: StagedFile): Promise<CommitOutcome> {
    const target = this.pathOf(key);
    try {
      await this.inDirectory(dirname(target), () => link(staged.path, target));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return 'exists';
      throw error;
    }
    await fsyncDirectory(dirname(target));
    return 'created';
  }

  async get(key: string): Promise<StoredContent> {
    const path = this.pathOf(key);
    try {
      const handle = await open(path, 'r');
      const { size } = await handle.stat();
      return { stream: createReadStream(path, { fd: handle }), size };
    } catch (error) {
      throw missingOr(error, key);
    }
  }

  async exists(key: string): Promise<boolean> {
    try {
      return (await stat(this.pathOf(key))).isFile();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw error;
    }
  }

  /** The file of a key; the key is validated first, so it cannot point outside the root. */
  pathOf(key: string): string {
    sha256OfKey(key);
    return join(this.root, ...key.split('/'));
  }
}

/** Makes the new directory entry itself durable, not only the file's bytes. */
async function fsyncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function missingOr(error: unknown, key: string): unknown {
  if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return error;
  return new DocumentError('DOCUMENT.CONTENT_MISSING', `The store has no object ${key}`, { key }, { cause: error });
}
