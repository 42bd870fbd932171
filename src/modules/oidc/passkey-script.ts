/** Where the hosted login page's passkey script is served (the page policy allows no inline script). */
export const PASSKEY_SCRIPT_PATH = '/account/assets/oidc-passkey.js';

/**
 * The login page's "Sign in with a passkey": options from /account/login/:uid/passkey/options
 * (the email or username typed above, if any), the ceremony with @simplewebauthn/browser, the
 * answer to .../verify, then on to the provider's resume URL. No API key: the routes are bound
 * to the interaction, whose cookie the browser sends. Shown only where WebAuthn is available.
 */
export const PASSKEY_SCRIPT = `(() => {
  'use strict';
  const section = document.getElementById('passkey-sign-in');
  const webauthn = window.SimpleWebAuthnBrowser;
  if (!section || !webauthn || !webauthn.browserSupportsWebAuthn()) return;
  const button = document.getElementById('passkey-button');
  const status = document.getElementById('passkey-status');
  const base = section.dataset.action;

  async function call(path, body) {
    const response = await fetch(base + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      credentials: 'same-origin',
      body: JSON.stringify(body),
    });
    const data = await response.json().catch(() => null);
    if (!response.ok) throw new Error((data && (data.detail || data.title)) || 'The server answered ' + response.status);
    return data;
  }

  button.addEventListener('click', async () => {
    button.disabled = true;
    status.hidden = true;
    try {
      const field = document.getElementById('field-login');
      const login = field ? field.value.trim() : '';
      const name = !login ? {} : login.includes('@') ? { email: login } : { username: login };
      const { login_id, options } = await call('/options', name);
      const credential = await webauthn.startAuthentication({ optionsJSON: options });
      const { redirect_to } = await call('/verify', { login_id, credential });
      window.location.assign(redirect_to);
    } catch (error) {
      status.textContent = error && error.message ? error.message : String(error);
      status.hidden = false;
      button.disabled = false;
    }
  });
  section.hidden = false;
})();
`;
