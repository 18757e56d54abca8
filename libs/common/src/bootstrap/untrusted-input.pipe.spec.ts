import { RequestInvalidError } from '../errors/app-error';
import { MAX_INPUT_DEPTH, UntrustedInputPipe, untrustedInputProblem } from './untrusted-input.pipe';

/** `{"a":{"a":…1}}` nested `levels` deep, built without recursion. */
function nested(levels: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < levels; i += 1) value = { a: value };
  return value;
}

describe('untrustedInputProblem', () => {
  it('accepts ordinary bodies, queries and uploads', () => {
    expect(
      untrustedInputProblem({ name: 'Acme', lines: [{ quantity: 2, vatRate: '21' }], tags: null }),
    ).toBeUndefined();
    expect(untrustedInputProblem({ status: ['active', 'signed'], limit: '20' })).toBeUndefined();
    expect(untrustedInputProblem({ document: Buffer.from([0, 0, 0]) })).toBeUndefined();
    expect(untrustedInputProblem(undefined)).toBeUndefined();
    expect(untrustedInputProblem(nested(MAX_INPUT_DEPTH))).toBeUndefined();
  });

  it('refuses nesting deeper than the limit, at any size, without exhausting the stack', () => {
    expect(untrustedInputProblem(nested(MAX_INPUT_DEPTH + 1))).toEqual({
      field: Array.from({ length: MAX_INPUT_DEPTH }, () => 'a').join('.'),
      problem: `nests deeper than ${MAX_INPUT_DEPTH} levels`,
    });
    let arrays: unknown = [];
    for (let i = 0; i < 200_000; i += 1) arrays = [arrays];
    expect(untrustedInputProblem(arrays)?.problem).toBe(`nests deeper than ${MAX_INPUT_DEPTH} levels`);
  });

  it('refuses the NUL character in a string or a key, naming where', () => {
    expect(untrustedInputProblem({ signers: [{ name: 'Ana\u0000' }] })).toEqual({
      field: 'signers.0.name',
      problem: 'must not contain the NUL character',
    });
    expect(untrustedInputProblem({ metadata: { 'a\u0000b': 1 } })).toEqual({
      field: 'metadata',
      problem: 'has a key with the NUL character',
    });
    expect(untrustedInputProblem('abc\u0000')).toEqual({
      field: 'body',
      problem: 'must not contain the NUL character',
    });
  });

  it('refuses an own __proto__ key, as JSON.parse makes one', () => {
    expect(untrustedInputProblem(JSON.parse('{"a":{"__proto__":{"admin":true}}}'))).toEqual({
      field: 'a',
      problem: 'has a __proto__ key',
    });
  });

  it('refuses a lone surrogate, which JSON can carry and UTF-8 cannot; accepts a proper pair', () => {
    expect(untrustedInputProblem({ title: 'T \ud800' })).toEqual({
      field: 'title',
      problem: 'must not contain a lone UTF-16 surrogate',
    });
    expect(untrustedInputProblem({ title: '\udc00 T' })?.field).toBe('title');
    expect(untrustedInputProblem({ ['k\ud800']: 1 })?.problem).toBe('has a key with a lone UTF-16 surrogate');
    expect(untrustedInputProblem({ title: 'Firma ✍️ 😀 𝄞' })).toBeUndefined();
  });
});

describe('UntrustedInputPipe', () => {
  const pipe = new UntrustedInputPipe();

  it('answers 400 REQUEST.INVALID naming the field, for bodies, queries and parameters', () => {
    for (const type of ['body', 'query', 'param'] as const) {
      expect(() => pipe.transform({ name: 'a\u0000' }, { type })).toThrow(RequestInvalidError);
    }
    expect(() => pipe.transform({ name: 'a\u0000' }, { type: 'body' })).toThrow(
      expect.objectContaining({ code: 'REQUEST.INVALID', message: 'name: must not contain the NUL character' }),
    );
  });

  it('passes what it accepts through unchanged, and leaves custom parameters alone', () => {
    const body = { name: 'Acme' };
    expect(pipe.transform(body, { type: 'body' })).toBe(body);
    expect(pipe.transform('a\u0000', { type: 'custom' })).toBe('a\u0000');
  });
});
