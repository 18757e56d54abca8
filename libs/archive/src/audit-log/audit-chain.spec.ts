import { ChainVerifier, entryHash, GENESIS_HASH, hashedText, verifyChain, type AuditEntry } from './audit-chain';

const ZEROS = '0'.repeat(64);

describe('entryHash', () => {
  const entry: Omit<AuditEntry, 'hash'> = {
    seq: 1,
    at: new Date('2026-11-26T11:15:00+01:00'),
    actor: 'provider:sandbox',
    action: 'SignerSigned',
    subject: 'contract:7b0c9d8e-1f2a-4b3c-8d4e-5f6a7b8c9d0e',
    data: { payload: { level: 'advanced', at: '2026-11-26T10:14:59.500Z' }, note: 'Señor ✓ "q"', eventId: 'e1' },
    prevHash: GENESIS_HASH,
  };

  it('hashes the canonical JSON of the seven fields', () => {
    expect(GENESIS_HASH).toBe(ZEROS);
    expect(hashedText(entry)).toBe(
      '{"action":"SignerSigned","actor":"provider:sandbox","at":"2026-11-26T10:15:00.000Z",' +
        '"data":{"eventId":"e1","note":"Señor ✓ \\"q\\"","payload":{"at":"2026-11-26T10:14:59.500Z","level":"advanced"}},' +
        `"prevHash":"${ZEROS}","seq":1,"subject":"contract:7b0c9d8e-1f2a-4b3c-8d4e-5f6a7b8c9d0e"}`,
    );
  });

  it('matches a vector computed outside Node (printf ... | sha256sum of the text above)', () => {
    expect(entryHash(entry)).toBe('cd5c5796387573bb1c2cbc58efe41ab45337651b19e1b9cb5bc8d7fe572ce958');
  });

  it('changes with every field', () => {
    const base = entryHash(entry);
    const variants: Omit<AuditEntry, 'hash'>[] = [
      { ...entry, seq: 2 },
      { ...entry, at: new Date(entry.at.getTime() + 1) },
      { ...entry, actor: 'system' },
      { ...entry, action: 'ContractSigned' },
      { ...entry, subject: 'customer:x' },
      { ...entry, data: { ...entry.data, eventId: 'e2' } },
      { ...entry, prevHash: '1'.repeat(64) },
    ];
    expect(new Set(variants.map(entryHash)).size).toBe(variants.length);
    expect(variants.map(entryHash)).not.toContain(base);
  });
});

/** A valid chain of n entries, built the way AuditLog.append builds them. */
function chain(n: number): AuditEntry[] {
  const entries: AuditEntry[] = [];
  let prevHash = GENESIS_HASH;
  for (let seq = 1; seq <= n; seq += 1) {
    const unsealed = {
      seq,
      at: new Date(Date.UTC(2026, 10, 26, 10, 0, seq)),
      actor: 'system',
      action: 'ContractSent',
      subject: `contract:${seq % 3}`,
      data: { n: seq, nested: { list: [seq, 'x'] } },
      prevHash,
    };
    const entry = { ...unsealed, hash: entryHash(unsealed) };
    entries.push(entry);
    prevHash = entry.hash;
  }
  return entries;
}

describe('ChainVerifier', () => {
  it('accepts an intact chain and reports its head', () => {
    const entries = chain(10);
    const verifier = new ChainVerifier();
    for (const entry of entries) expect(verifier.check(entry)).toBeUndefined();
    expect(verifier.verified).toBe(10);
    expect(verifier.head).toEqual({ seq: 10, hash: entries[9].hash });
    expect(verifyChain([])).toEqual({ valid: true, verified: 0, broken: undefined });
  });

  it('names the entry whose data was changed (hash_mismatch)', () => {
    const entries = chain(10);
    entries[6] = { ...entries[6], data: { ...entries[6].data, n: 999 } };
    const result = verifyChain(entries);
    expect(result.valid).toBe(false);
    expect(result.verified).toBe(6);
    expect(result.broken).toEqual({
      seq: 7,
      reason: 'hash_mismatch',
      expected: entryHash(entries[6]),
      actual: chain(10)[6].hash,
    });
  });

  it('names the next entry when a changed entry was re-hashed (prev_hash_mismatch)', () => {
    const entries = chain(10);
    const forged = { ...entries[3], actor: 'api-key:intruder' };
    entries[3] = { ...forged, hash: entryHash(forged) };
    expect(verifyChain(entries).broken).toEqual({
      seq: 5,
      reason: 'prev_hash_mismatch',
      expected: entries[3].hash,
      actual: entries[4].prevHash,
    });
  });

  it('catches a first entry that does not start from 64 zeros', () => {
    const entries = chain(2);
    const forged = { ...entries[0], prevHash: 'f'.repeat(64) };
    entries[0] = { ...forged, hash: entryHash(forged) };
    expect(verifyChain(entries).broken).toMatchObject({ seq: 1, reason: 'prev_hash_mismatch', expected: ZEROS });
  });

  it('names where entries are missing (seq_gap), also at the start', () => {
    const entries = chain(10);
    expect(verifyChain([...entries.slice(0, 4), ...entries.slice(5)]).broken).toEqual({
      seq: 6,
      reason: 'seq_gap',
      expected: '5',
      actual: '6',
    });
    expect(verifyChain(entries.slice(1)).broken).toEqual({ seq: 2, reason: 'seq_gap', expected: '1', actual: '2' });
  });

  it('stays broken once broken', () => {
    const entries = chain(3);
    const verifier = new ChainVerifier();
    const tampered = { ...entries[0], subject: 'contract:other' };
    const broken = verifier.check(tampered);
    expect(broken?.seq).toBe(1);
    expect(verifier.check(entries[1])).toBe(broken);
    expect(verifier.verified).toBe(0);
    expect(verifier.head).toBeUndefined();
  });
});
