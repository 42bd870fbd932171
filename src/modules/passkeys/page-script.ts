/**
 * The hosted passkeys page's script (served from /account/assets/passkeys.js: the page policy
 * allows no inline script). Plain browser JavaScript over the public API, with
 * @simplewebauthn/browser's UMD bundle (the global SimpleWebAuthnBrowser) for the ceremonies.
 */
export const PAGE_SCRIPT = `(() => {
  'use strict';
  const { startRegistration, startAuthentication } = window.SimpleWebAuthnBrowser;
  const $ = (id) => document.getElementById(id);
  const store = window.sessionStorage;
  const fragment = new URLSearchParams(location.hash.slice(1));
  if (fragment.get('key')) {
    store.setItem('sentinel.api_key', fragment.get('key'));
    history.replaceState(null, '', location.pathname);
  }

  async function call(method, path, body, auth) {
    const headers = {};
    if (auth === 'key') headers['x-api-key'] = store.getItem('sentinel.api_key') || '';
    if (auth === 'token') headers.authorization = 'Bearer ' + store.getItem('sentinel.token');
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const data = response.status === 204 ? null : await response.json().catch(() => null);
    if (!response.ok) throw new Error((data && (data.detail || data.title)) || 'The server answered ' + response.status);
    return data;
  }

  function show(message, kind) {
    const status = $('status');
    status.textContent = message;
    status.className = 'alert alert-' + (kind || 'success');
    status.setAttribute('role', kind === 'error' ? 'alert' : 'status');
    status.hidden = !message;
  }

  function passkeyItem(passkey) {
    const item = document.createElement('li');
    item.className = 'passkey';
    item.textContent = passkey.name + ' ';
    const remove = document.createElement('button');
    remove.type = 'button';
    remove.className = 'secondary';
    remove.textContent = 'Delete';
    remove.setAttribute('aria-label', 'Delete passkey ' + passkey.name);
    remove.addEventListener('click', () =>
      run(async () => {
        await call('DELETE', '/user/passkeys/' + encodeURIComponent(passkey.passkey_id), undefined, 'token');
        show('Passkey deleted');
        await render();
      }),
    );
    item.append(remove);
    return item;
  }

  async function render() {
    const signedIn = Boolean(store.getItem('sentinel.token'));
    if (signedIn) {
      try {
        const [verified, list] = await Promise.all([
          call('GET', '/auth/verify', undefined, 'token'),
          call('GET', '/user/passkeys', undefined, 'token'),
        ]);
        $('who').textContent = verified.user.email;
        $('passkey-list').replaceChildren(...list.passkeys.map(passkeyItem));
      } catch (error) {
        store.removeItem('sentinel.token');
        show('Your session has ended; sign in again', 'error');
        return render();
      }
    }
    $('signed-in').hidden = !signedIn;
    $('signed-out').hidden = signedIn;
    document.body.dataset.state = signedIn ? 'signed-in' : 'signed-out';
  }

  async function run(work) {
    try {
      await work();
    } catch (error) {
      show(error && error.message ? error.message : String(error), 'error');
    }
  }

  async function startSession(session, message) {
    store.setItem('sentinel.token', session.token);
    show(message);
    await render();
  }

  $('passkey-login-form').addEventListener('submit', (event) => {
    event.preventDefault();
    run(async () => {
      const email = $('field-passkey_email').value.trim();
      const { login_id, options } = await call('POST', '/auth/passkeys/login/options', email ? { email } : {}, 'key');
      const credential = await startAuthentication({ optionsJSON: options });
      await startSession(await call('POST', '/auth/passkeys/login/verify', { login_id, credential }, 'key'), 'Signed in with a passkey');
    });
  });

  $('password-login-form').addEventListener('submit', (event) => {
    event.preventDefault();
    run(async () => {
      const body = { email: $('field-email').value.trim(), password: $('field-password').value };
      const answer = await call('POST', '/auth/login', body, 'key');
      $('field-password').value = '';
      if (answer.otp_required) throw new Error('This account uses a second factor: sign in with a passkey instead');
      await startSession(answer, 'Signed in');
    });
  });

  $('register-form').addEventListener('submit', (event) => {
    event.preventDefault();
    run(async () => {
      const { options } = await call('POST', '/user/passkeys/registration/options', undefined, 'token');
      const credential = await startRegistration({ optionsJSON: options });
      const name = $('field-passkey_name').value.trim();
      await call('POST', '/user/passkeys/registration/verify', name ? { name, credential } : { credential }, 'token');
      $('field-passkey_name').value = '';
      show('Passkey added');
      await render();
    });
  });

  $('sign-out').addEventListener('click', () =>
    run(async () => {
      await call('GET', '/auth/logout', undefined, 'token').catch(() => undefined);
      store.removeItem('sentinel.token');
      show('Signed out');
      await render();
    }),
  );

  render();
})();
`;
