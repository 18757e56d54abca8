import { createHmac } from 'node:crypto';
import { signatureHeader, verifySignatureHeader } from './hmac-signature';

const SECRET = 'provisioning-secret-0123456789';
const BODY = '{"runId":"r1","contractId":"c1"}';

describe('X-SignBridge-Signature', () => {
  it('is t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">', () => {
    const expected = createHmac('sha256', SECRET).update(`1767225600.${BODY}`).digest('hex');
    expect(signatureHeader(SECRET, BODY, 1767225600)).toBe(`t=1767225600,v1=${expected}`);
    expect(expected).toMatch(/^[0-9a-f]{64}$/);
  });

  it('verifies with the secret, within the tolerance, and not with another secret, body or an old timestamp', () => {
    const header = signatureHeader(SECRET, BODY, 1000);
    expect(verifySignatureHeader(SECRET, BODY, header, 1000)).toBe(true);
    expect(verifySignatureHeader(SECRET, BODY, header, 1299)).toBe(true);
    expect(verifySignatureHeader(SECRET, BODY, header, 1301)).toBe(false);
    expect(verifySignatureHeader('another-secret-0123456789', BODY, header, 1000)).toBe(false);
    expect(verifySignatureHeader(SECRET, `${BODY} `, header, 1000)).toBe(false);
    expect(verifySignatureHeader(SECRET, BODY, 'v1=abc', 1000)).toBe(false);
  });
});
