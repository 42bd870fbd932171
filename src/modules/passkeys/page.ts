import { html, type SafeHtml } from '../account-pages/html.js';
import { accountPage, field } from '../account-pages/layout.js';

export const PAGE_PATH = '/account/passkeys';
export const PAGE_SCRIPT_PATH = '/account/assets/passkeys.js';
export const WEBAUTHN_SCRIPT_PATH = '/account/assets/simplewebauthn-browser.js';

/**
 * The hosted passkeys page: sign in (with a passkey, usernameless or after an email, or with a
 * password), then list, add and delete passkeys. Everything happens in its script, through the
 * public API; the app's API key comes in the URL fragment (`#key=...`, never sent to a server)
 * and the session lives in sessionStorage, so closing the tab forgets it.
 */
export function passkeysPage(): SafeHtml {
  const body = html`<div id="status" class="alert" role="status" aria-live="polite" hidden></div>
    <section id="signed-out" aria-labelledby="sign-in-title">
      <h2 id="sign-in-title">Sign in</h2>
      <form id="passkey-login-form">
        ${field({
          label: 'Email (optional)',
          name: 'passkey_email',
          type: 'email',
          autocomplete: 'username webauthn',
          required: false,
          hint: 'Leave it empty to pick from the passkeys this device holds for this site.',
        })}
        <div class="actions"><button type="submit" id="passkey-login">Sign in with a passkey</button></div>
      </form>
      <form id="password-login-form">
        <h3>Or with your password</h3>
        ${field({ label: 'Email', name: 'email', type: 'email', autocomplete: 'username' })}
        ${field({ label: 'Password', name: 'password', type: 'password', autocomplete: 'current-password' })}
        <div class="actions"><button type="submit" class="secondary" id="password-login">Sign in with password</button></div>
      </form>
    </section>
    <section id="signed-in" aria-labelledby="passkeys-title" hidden>
      <p>Signed in as <strong id="who"></strong></p>
      <h2 id="passkeys-title">Your passkeys</h2>
      <ul id="passkey-list"></ul>
      <form id="register-form">
        ${field({ label: 'Name for a new passkey', name: 'passkey_name', required: false, hint: 'For example: Laptop, Phone' })}
        <div class="actions"><button type="submit" id="register">Add a passkey</button></div>
      </form>
      <div class="actions"><button type="button" class="secondary" id="sign-out">Sign out</button></div>
    </section>
    <script src="${WEBAUTHN_SCRIPT_PATH}"></script>
    <script src="${PAGE_SCRIPT_PATH}"></script>`;
  return accountPage({ title: 'Passkeys', body });
}
