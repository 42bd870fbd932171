import { html, type SafeHtml } from './html.js';

export const STYLESHEET_PATH = '/account/assets/account.css';

export interface PageContent {
  /** The page's heading and the first part of its title. */
  title: string;
  body: SafeHtml;
  /** The app the user came from (its name is shown, so the user knows where they are); Sentinel otherwise. */
  appName?: string;
}

/** A whole hosted page: one heading, one column, the shared stylesheet, no script unless the body adds one. */
export function accountPage({ title, body, appName }: PageContent): SafeHtml {
  const brand = appName ?? 'Sentinel';
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="no-referrer" />
        <title>${title} · ${brand}</title>
        <link rel="stylesheet" href="${STYLESHEET_PATH}" />
      </head>
      <body>
        <main aria-labelledby="page-title">
          <p class="brand">${brand}</p>
          <h1 id="page-title">${title}</h1>
          ${body}
        </main>
      </body>
    </html>`;
}

export interface FieldOptions {
  label: string;
  name: string;
  type?: 'text' | 'email' | 'password' | 'hidden';
  autocomplete?: string;
  required?: boolean;
  value?: string;
  /** Shown under the field and tied to it with aria-describedby. */
  hint?: string;
  /** The field's own error: shown under it, and the field is marked aria-invalid. */
  error?: string;
}

/** A labelled input; hidden fields get no label. */
export function field({ label, name, type = 'text', autocomplete, required = true, value, hint, error }: FieldOptions): SafeHtml {
  if (type === 'hidden') return html`<input type="hidden" name="${name}" value="${value ?? ''}" />`;
  const id = `field-${name}`;
  const described = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ');
  return html`<div class="field">
    <label for="${id}">${label}</label>
    <input
      id="${id}"
      name="${name}"
      type="${type}"
      ${autocomplete ? html` autocomplete="${autocomplete}"` : ''}${required ? html` required` : ''}${value !== undefined ? html` value="${value}"` : ''}${described ? html` aria-describedby="${described}"` : ''}${error ? html` aria-invalid="true"` : ''}
    />
    ${hint ? html`<p class="hint" id="${id}-hint">${hint}</p>` : ''} ${error ? html`<p class="error" id="${id}-error">${error}</p>` : ''}
  </div>`;
}

/** A message the user must read first: announced by screen readers as soon as the page loads. */
export function alertBox(message: string, kind: 'error' | 'success' = 'error'): SafeHtml {
  return html`<div class="alert alert-${kind}" role="${kind === 'error' ? 'alert' : 'status'}">${message}</div>`;
}
