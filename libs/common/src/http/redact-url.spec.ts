import { redactUrl } from './redact-url';

describe('redactUrl', () => {
  it('hides the password of the user information, keeping the rest', () => {
    expect(redactUrl('https://erp:s3cr3t@erp.example.com:8443/hooks?x=1')).toBe(
      'https://erp:***@erp.example.com:8443/hooks?x=1',
    );
  });

  it('leaves a URL without a password, and anything that is not a URL, as it is', () => {
    expect(redactUrl('https://erp.example.com/hooks')).toBe('https://erp.example.com/hooks');
    expect(redactUrl('https://user@erp.example.com/hooks')).toBe('https://user@erp.example.com/hooks');
    expect(redactUrl('not a url')).toBe('not a url');
  });
});
