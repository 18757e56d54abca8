import { createReadStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import {
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import type { OnModuleDestroy } from '@nestjs/common';
import type { S3Config } from '@app/common';
import { DocumentError } from '../documents.errors';
import { ContentAddressedStore, type CommitOutcome, type StagedFile } from './content-addressed.store';
import { sha256OfKey } from './document-key';
import type { StoredContent } from './document-store';

/**
 * Documents as objects in an S3-compatible bucket, at their content address. Never overwrites: a HeadObject
 * first (an existing key is success: same key, same bytes), then a conditional PutObject with
 * `If-None-Match: *`, which S3 (since 2024), MinIO and R2 refuse with 412 when the key appeared meanwhile.
 * Servers that ignore the condition (s3rver) still cannot change the bytes through `put`: in that race both
 * writers upload the very bytes the key is the hash of. The upload carries its SHA-256 so S3 checks it too.
 * Put the bucket under Object Lock (compliance mode) to make the archive immutable to credentials too.
 */
export class S3DocumentStore extends ContentAddressedStore implements OnModuleDestroy {
  readonly client: S3Client;
  readonly bucket: string;

  constructor(config: S3Config) {
    super();
    this.bucket = config.bucket;
    this.client = new S3Client({
      endpoint: config.endpoint,
      region: config.region,
      forcePathStyle: config.forcePathStyle,
      credentials: { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey },
      // Checksums only where S3 requires them: many S3-compatible servers reject the SDK's default trailing
      // CRC32 (aws-chunked uploads). Integrity is covered by our own SHA-256, sent as ChecksumSHA256.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  protected async staging() {
    return { dir: join(tmpdir(), 'signbridge-documents'), fsync: false, mode: 0o600 };
  }

  protected async commit(key: string, staged: StagedFile, mediaType: string): Promise<CommitOutcome> {
    sha256OfKey(key);
    if (await this.exists(key)) return 'exists';
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: createReadStream(staged.path),
          ContentLength: staged.size,
          ContentType: mediaType,
          ChecksumSHA256: Buffer.from(staged.sha256, 'hex').toString('base64'),
          IfNoneMatch: '*',
        }),
      );
      return 'created';
    } catch (error) {
      // 412: the key exists (If-None-Match); 409: a concurrent conditional write of the same key is in flight.
      const status = error instanceof S3ServiceException ? error.$metadata.httpStatusCode : undefined;
      if (status === 412 || status === 409) return 'exists';
      throw error;
    }
  }

  async get(key: string): Promise<StoredContent> {
    sha256OfKey(key);
    try {
      const object = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      if (!object.Body || object.ContentLength === undefined) {
        throw new Error(`GetObject ${key} answered without a body or a length`);
      }
      return { stream: object.Body as Readable, size: object.ContentLength };
    } catch (error) {
      if (isNotFound(error)) {
        throw new DocumentError(
          'DOCUMENT.CONTENT_MISSING',
          `The bucket has no object ${key}`,
          { key },
          { cause: error },
        );
      }
      throw error;
    }
  }

  async exists(key: string): Promise<boolean> {
    sha256OfKey(key);
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }

  onModuleDestroy(): void {
    this.client.destroy();
  }
}

function isNotFound(error: unknown): boolean {
  return (
    error instanceof S3ServiceException &&
    (error.name === 'NotFound' || error.name === 'NoSuchKey' || error.$metadata.httpStatusCode === 404)
  );
}
