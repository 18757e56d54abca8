import { checkOtp, generateOtp, hashOtp, verifyOtp } from './otp';

describe('one-time codes', () => {
  it('are six digits, and vary', () => {
    const codes = Array.from({ length: 50 }, generateOtp);
    for (const code of codes) expect(code).toMatch(/^\d{6}$/);
    expect(new Set(codes).size).toBeGreaterThan(40);
  });

  it('are stored salted: the hash hides the code and two hashes of one code differ', () => {
    const a = hashOtp('123456');
    const b = hashOtp('123456');
    expect(a).not.toContain('123456');
    expect(a).not.toEqual(b);
    expect(verifyOtp('123456', a)).toBe(true);
    expect(verifyOtp('123456', b)).toBe(true);
  });

  it('accept the code with spaces, reject any other', () => {
    const stored = hashOtp('042042');
    expect(verifyOtp('042 042', stored)).toBe(true);
    expect(verifyOtp('042043', stored)).toBe(false);
    expect(verifyOtp('42042', stored)).toBe(false);
    expect(verifyOtp('', stored)).toBe(false);
    expect(verifyOtp('042042', 'garbage')).toBe(false);
  });

  it('are judged valid, wrong, expired or missing', () => {
    const now = new Date('2030-01-01T00:00:00Z');
    const later = new Date(now.getTime() + 60_000);
    const code = { code_hash: hashOtp('111111'), expires_at: later, used_at: null };
    expect(checkOtp('111111', code, now)).toBe('valid');
    expect(checkOtp('222222', code, now)).toBe('wrong');
    expect(checkOtp('111111', code, later)).toBe('expired');
    expect(checkOtp('111111', { ...code, used_at: now }, now)).toBe('missing');
    expect(checkOtp('111111', undefined, now)).toBe('missing');
  });
});
