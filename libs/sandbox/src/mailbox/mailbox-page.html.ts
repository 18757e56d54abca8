import { html, linkify, page } from '../html/html';
import type { MailMessageDto } from './mailbox.dto';

/** Every signer's inbox in one page (newest first); OTP codes stand out in `<code class="otp">`. */
export function mailboxPage(messages: MailMessageDto[], to: string | undefined): string {
  return page(
    to ? `Mailbox of ${to}` : 'Mailbox',
    html`<h1>Mailbox${to ? html` of <span id="mailbox-address">${to}</span>` : null}</h1>
      <form method="get" action="/mailbox">
        <label for="to">Show messages to</label>
        <input id="to" name="to" type="email" value="${to ?? ''}" />
        <button type="submit">Show</button>
      </form>
      ${messages.length === 0 ? html`<p id="empty">No messages.</p>` : null}
      ${messages.map(
        (m) =>
          html`<article class="message" id="${m.id}" data-kind="${m.kind}">
            <p>
              <strong>To:</strong> <span class="to">${m.to}</span> ·
              <time datetime="${m.created_at}">${m.created_at}</time>
            </p>
            <h2 class="subject">${m.subject}</h2>
            ${m.code ? html`<p>Your code: <code class="otp">${m.code}</code></p>` : null}
            <pre class="text">${linkify(m.text)}</pre>
          </article>`,
      )}`,
  );
}
