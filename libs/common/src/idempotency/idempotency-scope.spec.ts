import { idempotencyDigest } from './idempotency-scope';

describe('idempotencyDigest', () => {
  it('is the SHA-256 of API key id and key, fixed forever: stored credit notes and platform keys depend on it', () => {
    const scope = { principalId: '11111111-1111-4111-8111-111111111111', key: 'retry-1' };
    expect(idempotencyDigest(scope)).toBe('4382fe9ba5017154d991a80b3316752464ccca43791d6502e145ade92714e7ce');
  });

  it('tells apart two API keys using the same Idempotency-Key', () => {
    const key = 'order-7';
    expect(idempotencyDigest({ principalId: 'a', key })).not.toBe(idempotencyDigest({ principalId: 'b', key }));
  });
});
