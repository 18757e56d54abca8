import { canonicalJson } from './canonical-json';

describe('canonicalJson', () => {
  it('sorts keys at every depth and writes no whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: true, y: null }], c: 'x' } })).toBe(
      '{"a":{"c":"x","d":[3,{"y":null,"z":true}]},"b":1}',
    );
  });

  it('gives the same text whatever order the keys were inserted in', () => {
    expect(canonicalJson({ seq: 1, action: 'a', data: { y: 2, x: 1 } })).toBe(
      canonicalJson({ data: { x: 1, y: 2 }, action: 'a', seq: 1 }),
    );
  });

  it('orders keys by UTF-16 code units, as RFC 8785 does (upper case before lower, digits first)', () => {
    expect(canonicalJson({ b: 0, B: 0, '1': 0, é: 0, a: 0 })).toBe('{"1":0,"B":0,"a":0,"b":0,"é":0}');
    // U+1F600 is the surrogate pair D83D DE00, which sorts before U+FB01 (a code-point sort would not).
    expect(canonicalJson({ '\uFB01': 1, '\u{1F600}': 2 })).toBe('{"😀":2,"ﬁ":1}');
  });

  it('writes UTC instants with milliseconds, whatever the Date was built from', () => {
    expect(canonicalJson({ at: new Date('2026-11-26T11:15:00+01:00') })).toBe('{"at":"2026-11-26T10:15:00.000Z"}');
    expect(canonicalJson(new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 67)))).toBe('"2026-01-02T03:04:05.067Z"');
    expect(() => canonicalJson({ at: new Date('nope') })).toThrow('$.at is an invalid Date');
  });

  it('keeps non-ASCII text as itself and escapes only quotes, backslashes and control characters', () => {
    expect(canonicalJson({ name: 'José Ñúñez 日本 😀', q: 'say "hi" \\ \n\t\u0001' })).toBe(
      '{"name":"José Ñúñez 日本 😀","q":"say \\"hi\\" \\\\ \\n\\t\\u0001"}',
    );
    expect(Buffer.from(canonicalJson('é'), 'utf8')).toEqual(Buffer.from([0x22, 0xc3, 0xa9, 0x22]));
  });

  it('writes numbers in their shortest round-trip form', () => {
    expect(canonicalJson([0, -0, 1.5, 1e21, 120000, -7, 0.1])).toBe('[0,0,1.5,1e+21,120000,-7,0.1]');
  });

  it('leaves out keys whose value is undefined, and refuses what JSON cannot hold', () => {
    expect(canonicalJson({ a: undefined, b: 1 })).toBe('{"b":1}');
    expect(() => canonicalJson({ n: NaN })).toThrow('$.n is not a finite number');
    expect(() => canonicalJson({ n: Infinity })).toThrow('not a finite number');
    expect(() => canonicalJson([undefined])).toThrow('$[0] is a undefined');
    expect(() => canonicalJson({ b: 10n })).toThrow('$.b is a bigint');
    expect(() => canonicalJson({ m: new Map() })).toThrow('$.m is not a plain object');
    expect(() => canonicalJson({ f: () => 1 })).toThrow('$.f is a function');
  });

  it('round-trips through JSON.parse to the same text (what jsonb gives back hashes the same)', () => {
    const value = { z: [1, 'two', { three: null }], a: { nested: { deeper: 'ü' } }, n: 12.25 };
    const text = canonicalJson(value);
    expect(canonicalJson(JSON.parse(text))).toBe(text);
  });
});
