import { createHash } from 'node:crypto';
import { documentKey, reprDigest, sha256OfKey } from './document-key';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('document keys', () => {
  const hash = sha256('%PDF-1.7 signed');

  it('addresses bytes by their SHA-256 under a two-hex-digit fan-out', () => {
    expect(documentKey(hash)).toBe(`sha256/${hash.slice(0, 2)}/${hash}`);
    expect(documentKey('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')).toBe(
      'sha256/e3/e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
  });

  it('round-trips a key to its hash', () => {
    expect(sha256OfKey(documentKey(hash))).toBe(hash);
  });

  it.each(['', 'abc', hash.toUpperCase(), `${hash}0`, `../${hash.slice(3)}`])('refuses %p as a SHA-256', (bad) => {
    expect(() => documentKey(bad)).toThrow(expect.objectContaining({ code: 'DOCUMENT.INVALID_KEY' }));
  });

  it.each([
    `sha256/${hash}`,
    `sha256/${hash.startsWith('ff') ? '00' : 'ff'}/${hash}`,
    `sha256/${hash.slice(0, 2)}/${hash}/`,
    `sha256/${hash.slice(0, 2)}/../${hash}`,
    `/sha256/${hash.slice(0, 2)}/${hash}`,
    `md5/${hash.slice(0, 2)}/${hash}`,
  ])('refuses %p as a key, so no key can name a path outside the store', (bad) => {
    expect(() => sha256OfKey(bad)).toThrow(expect.objectContaining({ code: 'DOCUMENT.INVALID_KEY' }));
  });

  it('writes Repr-Digest (RFC 9530) as the base64 of the raw digest', () => {
    // The RFC's own example: the SHA-256 of {"hello": "world"}\n
    const body = '{"hello": "world"}\n';
    expect(reprDigest(sha256(body))).toBe('sha-256=:RK/0qy18MlBSVnWgjwz6lZEWjP/lF5HF9bvEF8FabDg=:');
  });
});
