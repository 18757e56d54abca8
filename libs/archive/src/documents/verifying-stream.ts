import { createHash } from 'node:crypto';
import { Transform } from 'node:stream';
import { DocumentError } from './documents.errors';

export interface ContentExpectation {
  sha256: string;
  size: number;
}

/**
 * Passes bytes through while hashing them, holding back the last chunk until the end: if the bytes do not
 * hash to the recorded SHA-256 (or are longer than recorded), `onCorrupt` runs and the stream fails before
 * that chunk is released. A client therefore never receives a complete body with the promised Content-Length
 * and Repr-Digest unless the bytes are the recorded ones: it sees a connection cut short instead.
 */
export function verifyingStream(expected: ContentExpectation, onCorrupt: (actual: ContentExpectation) => void) {
  const hash = createHash('sha256');
  let size = 0;
  let held: Buffer | undefined;
  const corrupt = (actual: ContentExpectation) => {
    onCorrupt(actual);
    return new DocumentError('DOCUMENT.CONTENT_CORRUPT', 'The stored bytes differ from the recorded ones', {
      expected,
      actual,
    });
  };
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      size += chunk.length;
      if (size > expected.size) {
        callback(corrupt({ sha256: 'unknown (longer than recorded)', size }));
        return;
      }
      const previous = held;
      held = chunk;
      callback(null, previous);
    },
    flush(callback) {
      const sha256 = hash.digest('hex');
      if (sha256 !== expected.sha256 || size !== expected.size) {
        callback(corrupt({ sha256, size }));
        return;
      }
      callback(null, held);
    },
  });
}
