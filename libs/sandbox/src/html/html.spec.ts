import { escapeHtml, html, linkify, page, raw } from './html';

describe('HTML templates', () => {
  it('escape the five special characters', () => {
    expect(escapeHtml(`<a href="x">Tom & 'Jerry'</a>`)).toBe(
      '&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;',
    );
  });

  it('escape interpolated values but keep nested templates and raw markup', () => {
    const name = '<script>alert(1)</script>';
    const inner = html`<em>${name}</em>`;
    const out = html`<p title="${'"quoted"'}">${inner}${raw('<br />')}${[html`<i>1</i>`, '<2>']}${null}${false}</p>`;
    expect(out.value).toBe(
      '<p title="&quot;quoted&quot;"><em>&lt;script&gt;alert(1)&lt;/script&gt;</em><br /><i>1</i>&lt;2&gt;</p>',
    );
  });

  it('make links clickable without letting markup through', () => {
    const out = linkify('Sign: http://127.0.0.1:3100/sign/abc_-1 <b>now</b>');
    expect(out.value).toBe(
      'Sign: <a href="http://127.0.0.1:3100/sign/abc_-1">http://127.0.0.1:3100/sign/abc_-1</a> &lt;b&gt;now&lt;/b&gt;',
    );
    expect(linkify('http://x/?a="><script>').value).not.toContain('<script>');
  });

  it('escape the page title', () => {
    expect(page('<x>', html`<p>body</p>`)).toContain('<title>&lt;x&gt; · SignBridge Sandbox</title>');
  });
});
