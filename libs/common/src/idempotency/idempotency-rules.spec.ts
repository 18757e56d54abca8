import { BadRequestException, InternalServerErrorException, NotFoundException } from '@nestjs/common';
import { AppError, RequestInvalidError } from '../errors/app-error';
import {
  canonicalJson,
  decideExisting,
  errorStatus,
  failureOutcome,
  fingerprintOf,
  parseIdempotencyKey,
  type StoredKey,
} from './idempotency-rules';

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof AppError) return error.code;
    throw error;
  }
  return undefined;
}

describe('parseIdempotencyKey', () => {
  it.each(['a', 'order-42', ' spaced key ~!', 'x'.repeat(255)])('accepts %j', (key) => {
    expect(parseIdempotencyKey(key)).toBe(key);
  });

  it.each([
    ['empty', ''],
    ['256 characters', 'x'.repeat(256)],
    ['non-ASCII', 'clé'],
    ['a control character', 'a\tb'],
    ['sent twice', ['a', 'b']],
  ])('rejects a key that is %s with IDEMPOTENCY.KEY_INVALID', (_, key) => {
    expect(codeOf(() => parseIdempotencyKey(key))).toBe('IDEMPOTENCY.KEY_INVALID');
  });
});

describe('canonicalJson and fingerprintOf', () => {
  it('sorts keys at every depth and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: 0 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[2,{"y":0,"z":1}]},"b":1}',
    );
    expect(canonicalJson(undefined)).toBe('null');
  });

  it('ignores key order and the query string; tells method, path and body apart', () => {
    const a = fingerprintOf('post', '/api/v1/customers?x=1', { name: 'A', email: 'a@x' });
    const b = fingerprintOf('POST', '/api/v1/customers', { email: 'a@x', name: 'A' });
    expect(a).toEqual(b);
    expect(a.requestHash).toMatch(/^[0-9a-f]{64}$/);
    expect(fingerprintOf('POST', '/api/v1/customers', { email: 'a@x', name: 'B' }).requestHash).not.toBe(a.requestHash);
    expect(fingerprintOf('POST', '/api/v1/x', undefined)).toEqual(fingerprintOf('POST', '/api/v1/x', null));
  });
});

describe('decideExisting', () => {
  const request = fingerprintOf('POST', '/api/v1/customers', { name: 'A' });
  const row = (overrides: Partial<StoredKey>): StoredKey => ({
    ...request,
    status: 'completed',
    responseStatus: 201,
    responseBody: { id: 'c1' },
    locked: false,
    ...overrides,
  });

  it('replays a completed request with its status and body', () => {
    expect(decideExisting(row({}), request)).toEqual({ kind: 'replay', status: 201, body: { id: 'c1' } });
  });

  it('refuses a different request under the same key, naming what differs', () => {
    const other = fingerprintOf('PUT', '/api/v1/contracts', { name: 'B' });
    expect(decideExisting(row({}), other)).toEqual({ kind: 'reused', differs: ['method', 'path', 'body'] });
    const body = fingerprintOf('POST', '/api/v1/customers', { name: 'B' });
    expect(decideExisting(row({ status: 'in_progress', locked: true }), body)).toEqual({
      kind: 'reused',
      differs: ['body'],
    });
  });

  it('waits for a request in progress, and takes one over once its lease ran out', () => {
    expect(decideExisting(row({ status: 'in_progress', locked: true }), request)).toEqual({ kind: 'in-progress' });
    expect(decideExisting(row({ status: 'in_progress', locked: false }), request)).toEqual({ kind: 'take-over' });
  });
});

describe('failureOutcome', () => {
  it('keeps a 4xx as the answer: AppError by its code, HttpException by its status, validation errors', () => {
    expect(failureOutcome(new RequestInvalidError('name: missing', [{ field: 'name', problem: 'missing' }]))).toBe(
      'keep',
    );
    expect(failureOutcome(new AppError('AUTH.FORBIDDEN', 'no'))).toBe('keep');
    expect(failureOutcome(new NotFoundException())).toBe('keep');
    expect(failureOutcome(new BadRequestException('bad'))).toBe('keep');
    expect(failureOutcome(Object.assign(new Error('too large'), { statusCode: 413 }))).toBe('keep');
  });

  it('releases the key after a 5xx or an unknown error', () => {
    expect(failureOutcome(new Error('connection reset'))).toBe('release');
    expect(failureOutcome(new AppError('SOMETHING.UNREGISTERED', 'boom'))).toBe('release');
    expect(failureOutcome(new AppError('SERVICE.UNAVAILABLE', 'db down'))).toBe('release');
    expect(failureOutcome(new InternalServerErrorException())).toBe('release');
    expect(failureOutcome('a string')).toBe('release');
    expect(errorStatus(Object.assign(new Error('x'), { statusCode: 502 }))).toBe(500);
  });
});
