/** Markup that is already safe: produced by `html` or deliberately `raw`. */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

type Interpolation = SafeHtml | string | number | boolean | null | undefined | readonly Interpolation[];

/**
 * Template tag that escapes every interpolated value unless it is SafeHtml (nested `html` results), so a
 * signer named `<script>` stays text. Arrays are joined; null, undefined and false render nothing.
 */
export function html(strings: TemplateStringsArray, ...values: Interpolation[]): SafeHtml {
  let out = strings[0];
  values.forEach((value, i) => {
    out += render(value) + strings[i + 1];
  });
  return new SafeHtml(out);
}

/** For trusted markup built here, never for input. */
export function raw(markup: string): SafeHtml {
  return new SafeHtml(markup);
}

function render(value: Interpolation): string {
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map((v: Interpolation) => render(v)).join('');
  if (value === null || value === undefined || value === false) return '';
  return escapeHtml(String(value));
}

/** Escapes text, then makes its http(s) links clickable (the link text and href both escaped). */
export function linkify(text: string): SafeHtml {
  const parts = text.split(/(https?:\/\/[^\s<>"']+)/g);
  return new SafeHtml(
    parts
      .map((part, i) => (i % 2 === 1 ? `<a href="${escapeHtml(part)}">${escapeHtml(part)}</a>` : escapeHtml(part)))
      .join(''),
  );
}

/** The frame shared by the sandbox's pages. */
export function page(title: string, body: SafeHtml): string {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${title} · SignBridge Sandbox</title>
        <style>
          body {
            font-family: system-ui, sans-serif;
            max-width: 56rem;
            margin: 2rem auto;
            padding: 0 1rem;
            color: #1b1b1b;
          }
          header {
            border-bottom: 1px solid #ddd;
            margin-bottom: 1rem;
            color: #666;
            font-size: 0.9rem;
          }
          iframe {
            width: 100%;
            height: 28rem;
            border: 1px solid #ccc;
          }
          .notice {
            background: #eef6ee;
            padding: 0.5rem 1rem;
          }
          .error {
            background: #fbeaea;
            padding: 0.5rem 1rem;
          }
          form {
            margin: 1rem 0;
          }
          button {
            padding: 0.4rem 1rem;
          }
          label {
            display: block;
            margin: 0.5rem 0;
          }
          article {
            border: 1px solid #ddd;
            padding: 0.5rem 1rem;
            margin: 0.75rem 0;
          }
          pre {
            white-space: pre-wrap;
          }
          code.otp {
            font-size: 1.4rem;
            letter-spacing: 0.2rem;
            background: #f3f3f3;
            padding: 0 0.4rem;
          }
        </style>
      </head>
      <body>
        <header>SignBridge Sandbox · a simulated e-signature platform for demos and tests</header>
        ${body}
      </body>
    </html> `.value;
}
