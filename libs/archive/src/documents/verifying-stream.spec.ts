import { createHash } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { verifyingStream } from './verifying-stream';

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

async function drain(chunks: Buffer[], expected: { sha256: string; size: number }) {
  const received: Buffer[] = [];
  const corrupt: { sha256: string; size: number }[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      received.push(chunk);
      callback();
    },
  });
  const error = await pipeline(
    Readable.from(chunks),
    verifyingStream(expected, (actual) => corrupt.push(actual)),
    sink,
  ).then(
    () => undefined,
    (e: unknown) => e,
  );
  return { received: Buffer.concat(received), corrupt, error };
}

describe('verifyingStream', () => {
  const chunks = [Buffer.from('%PDF-1.7\n'), Buffer.from('signed by Ana\n'), Buffer.from('%%EOF\n')];
  const bytes = Buffer.concat(chunks);

  it('passes the recorded bytes through unchanged', async () => {
    const { received, corrupt, error } = await drain(chunks, { sha256: sha256(bytes), size: bytes.length });
    expect(error).toBeUndefined();
    expect(corrupt).toEqual([]);
    expect(received.equals(bytes)).toBe(true);
  });

  it('fails before the last chunk when same-size bytes hash differently, and reports what it read', async () => {
    const tampered = [chunks[0], Buffer.from('signed by Eve\n'), chunks[2]];
    const { received, corrupt, error } = await drain(tampered, { sha256: sha256(bytes), size: bytes.length });
    expect(error).toMatchObject({ code: 'DOCUMENT.CONTENT_CORRUPT' });
    expect(corrupt).toEqual([{ sha256: sha256(Buffer.concat(tampered)), size: bytes.length }]);
    expect(received.length).toBeLessThan(bytes.length);
  });

  it('fails as soon as more bytes arrive than were recorded', async () => {
    const { corrupt, error } = await drain([...chunks, Buffer.from('x')], {
      sha256: sha256(bytes),
      size: bytes.length,
    });
    expect(error).toMatchObject({ code: 'DOCUMENT.CONTENT_CORRUPT' });
    expect(corrupt).toHaveLength(1);
  });

  it('fails when fewer bytes arrive than were recorded', async () => {
    const { error } = await drain(chunks.slice(0, 2), { sha256: sha256(bytes), size: bytes.length });
    expect(error).toMatchObject({ code: 'DOCUMENT.CONTENT_CORRUPT' });
  });
});
