import type { EnvelopeRow, SignerRow } from '../envelopes/envelope.types';
import { certificatesFor, hasActed } from '../envelopes/envelope.types';
import { html, page, type SafeHtml } from '../html/html';

export interface SigningPageModel {
  envelope: Pick<EnvelopeRow, 'title' | 'status' | 'signature_level' | 'expires_at'>;
  signer: Pick<SignerRow, 'token' | 'name' | 'email' | 'status' | 'signed_at'>;
  notice?: string;
  error?: string;
}

/** The word in `#status`: what the signer did, else what became of the envelope, else that it awaits them. */
export function signingStatus(model: SigningPageModel): string {
  if (hasActed(model.signer)) return model.signer.status;
  if (model.envelope.status !== 'sent') return model.envelope.status;
  return 'awaiting signature';
}

const EXPLANATIONS: Record<string, string> = {
  signed: 'You have signed this document. Thank you.',
  declined: 'This document was declined; it can no longer be signed.',
  locked: 'Too many wrong codes: signing is locked for you. Ask the sender for a new envelope.',
  voided: 'The sender withdrew (voided) this document.',
  expired: 'This signing request has expired.',
  completed: 'Everyone has signed this document.',
};

/** The signing page: plain forms that work without JavaScript, with stable ids for browser tests. */
export function signingPage(model: SigningPageModel): string {
  const { envelope, signer } = model;
  const status = signingStatus(model);
  const base = `/sign/${encodeURIComponent(signer.token)}`;
  const canAct = status === 'awaiting signature';
  const completedNote =
    signer.status === 'signed' && envelope.status === 'completed' ? EXPLANATIONS.completed : undefined;
  return page(
    envelope.title,
    html`<h1>${envelope.title}</h1>
      <p>
        For <strong id="signer-name">${signer.name}</strong> (${signer.email}) · signature level
        <strong id="level">${envelope.signature_level}</strong>
      </p>
      <p>Status: <strong id="status" data-status="${status}">${status}</strong></p>
      ${EXPLANATIONS[status] ? html`<p id="status-detail">${EXPLANATIONS[status]} ${completedNote}</p>` : null}
      ${model.notice ? html`<p class="notice" id="notice" role="status">${model.notice}</p>` : null}
      ${model.error ? html`<p class="error" id="error" role="alert">${model.error}</p>` : null}
      <iframe id="document" src="${base}/document" title="The document to sign"></iframe>
      ${canAct ? actions(model, base) : null}`,
  );
}

function actions(model: SigningPageModel, base: string): SafeHtml {
  const level = model.envelope.signature_level;
  return html`${
      level === 'advanced'
        ? html`<form method="post" action="${base}/otp">
            <p>Advanced signature: we e-mail you a one-time code to confirm it is you.</p>
            <button id="send-code" type="submit">Send me a code</button>
          </form>`
        : null
    }
    <form method="post" action="${base}/sign" id="sign-form">
      <label
        ><input type="checkbox" id="consent" name="consent" value="yes" /> I have read the document and agree to sign it
        electronically.</label
      >
      ${
        level === 'advanced'
          ? html`<label for="code">Code from the e-mail</label>
              <input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" maxlength="7" />`
          : null
      }
      ${
        level === 'qualified'
          ? html`<label for="certificate">Qualified certificate</label>
              <select id="certificate" name="certificate">
                <option value="">Choose a certificate…</option>
                ${certificatesFor(model.signer).map((c) => html`<option value="${c}">${c}</option>`)}
              </select>`
          : null
      }
      <p>Valid until ${model.envelope.expires_at.toISOString()}.</p>
      <button id="sign" type="submit">Sign</button>
    </form>
    <form method="post" action="${base}/decline" id="decline-form">
      <label for="decline-reason">Reason for declining (optional)</label>
      <input id="decline-reason" name="reason" maxlength="1000" />
      <button id="decline" type="submit">Decline</button>
    </form>`;
}

export function notFoundPage(): string {
  return page(
    'Link not found',
    html`<h1>This signing link is not valid</h1>
      <p id="status" data-status="not_found">not found</p>
      <p>Check that you opened the whole link from the e-mail.</p>`,
  );
}
