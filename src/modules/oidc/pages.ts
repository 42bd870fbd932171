import { html, rawHtml, type SafeHtml } from '../account-pages/html.js';
import { accountPage, alertBox, field } from '../account-pages/layout.js';
import { WEBAUTHN_SCRIPT_PATH } from '../passkeys/page.js';
import { PASSKEY_SCRIPT_PATH } from './passkey-script.js';

/** What each scope lets an app do, in the words the consent page uses. */
const SCOPE_WORDS: Record<string, string> = {
  openid: 'Know who you are (your account id)',
  profile: 'See your name and username',
  email: 'See your email address',
  offline_access: 'Stay signed in when you are away',
  'sentinel:profiles': 'Read and change your data in this app',
};

export interface LoginPageInput {
  uid: string;
  appName: string;
  login?: string;
  error?: string;
}

export function loginPage({ uid, appName, login, error }: LoginPageInput): SafeHtml {
  return accountPage({
    title: 'Sign in',
    appName,
    body: html`${error ? alertBox(error) : ''}
      <p>Sign in with your Sentinel account to continue to ${appName}.</p>
      <form method="post" action="/account/login/${uid}">
        ${field({ label: 'Email or username', name: 'login', autocomplete: 'username', ...(login !== undefined ? { value: login } : {}) })}
        ${field({ label: 'Password', name: 'password', type: 'password', autocomplete: 'current-password' })}
        <div class="actions"><button type="submit">Sign in</button></div>
      </form>
      <section id="passkey-sign-in" data-action="/account/login/${uid}/passkey" hidden>
        <div id="passkey-status" class="alert alert-error" role="alert" hidden></div>
        <div class="actions">
          <button type="button" id="passkey-button" class="secondary">Sign in with a passkey</button>
        </div>
      </section>
      <form method="post" action="/account/login/${uid}/abort">
        <div class="actions"><button type="submit" class="secondary">Cancel</button></div>
      </form>
      <script src="${WEBAUTHN_SCRIPT_PATH}"></script>
      <script src="${PASSKEY_SCRIPT_PATH}"></script>`,
  });
}

export function otpPage({ uid, appName, otpToken, error }: { uid: string; appName: string; otpToken: string; error?: string }): SafeHtml {
  return accountPage({
    title: 'Enter your code',
    appName,
    body: html`${error ? alertBox(error) : ''}
      <form method="post" action="/account/login/${uid}/otp">
        ${field({ label: 'otp_token', name: 'otp_token', type: 'hidden', value: otpToken })}
        ${field({
          label: 'Code from your authenticator app',
          name: 'code',
          autocomplete: 'one-time-code',
          hint: 'Six digits, or one of your recovery codes',
        })}
        <div class="actions"><button type="submit">Verify</button></div>
      </form>`,
  });
}

export function consentPage({ uid, appName, scopes }: { uid: string; appName: string; scopes: string[] }): SafeHtml {
  const items = scopes.map((scope) => html`<li>${SCOPE_WORDS[scope] ?? scope}</li>`);
  return accountPage({
    title: `Allow ${appName}?`,
    appName,
    body: html`<p>${appName} asks to:</p>
      <ul>
        ${items}
      </ul>
      <p>You can take this back by signing out of all apps.</p>
      <form method="post" action="/account/login/${uid}/consent">
        <div class="actions">
          <button type="submit" name="decision" value="allow">Allow</button>
          <button type="submit" name="decision" value="deny" class="secondary">Deny</button>
        </div>
      </form>`,
  });
}

/** The confirmation of RP-initiated logout; `form` is the provider's own (its action and xsrf field). */
export function logoutPage(form: string, appName?: string): SafeHtml {
  return accountPage({
    title: 'Sign out',
    ...(appName ? { appName } : {}),
    body: html`${rawHtml(form)}
      <p>Sign out of Sentinel? You will be signed out of every app that uses it on this browser.</p>
      <div class="actions">
        <button type="submit" form="op.logoutForm" name="logout" value="yes">Sign out</button>
      </div>`,
  });
}

export function loggedOutPage(appName?: string): SafeHtml {
  return accountPage({ title: 'Signed out', ...(appName ? { appName } : {}), body: html`${alertBox('You are signed out.', 'success')}` });
}

export function errorPage(message: string): SafeHtml {
  return accountPage({
    title: 'Sign-in failed',
    body: html`${alertBox(message)}
      <p>Go back to the app and try again.</p>`,
  });
}
