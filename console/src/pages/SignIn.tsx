import { useState, type FormEvent } from 'react';
import { browserSupportsWebAuthn, startAuthentication } from '@simplewebauthn/browser';
import type { Session } from '@sentinel/client';
import { anonymous, ok } from '../api.js';
import { ErrorBox, useAction } from '../components.js';

/**
 * Email or username and password, then the TOTP step when the operator has it on; or a passkey
 * (usernameless, or for the name typed), which needs no TOTP step.
 */
export function SignIn({ onSignedIn }: { onSignedIn: (session: Session) => void }) {
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [otpToken, setOtpToken] = useState<string | null>(null);
  const [code, setCode] = useState('');
  const { error, busy, run } = useAction();

  const signIn = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => {
      const body = name.includes('@') ? { email: name, password } : { username: name, password };
      const answer = await ok(anonymous().raw.POST('/operator/login', { body }));
      if ('otp_required' in answer) setOtpToken(answer.otp_token);
      else onSignedIn(answer);
    });
  };

  const signInWithPasskey = () => {
    void run(async () => {
      const login = name.trim();
      const body = !login ? {} : login.includes('@') ? { email: login } : { username: login };
      const { login_id, options } = await ok(anonymous().raw.POST('/operator/passkeys/login/options', { body }));
      const credential = await startAuthentication({ optionsJSON: options as Parameters<typeof startAuthentication>[0]['optionsJSON'] });
      onSignedIn(
        await ok(
          anonymous().raw.POST('/operator/passkeys/login/verify', {
            body: { login_id, credential: { ...credential, clientExtensionResults: { ...credential.clientExtensionResults } } },
          }),
        ),
      );
    });
  };

  const verify = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => {
      onSignedIn(await ok(anonymous().raw.POST('/operator/verify-otp', { body: { otp_token: otpToken!, code: code.trim() } })));
    });
  };

  return (
    <main id="main" className="sign-in">
      <h1>Sentinel console</h1>
      {otpToken === null ? (
        <form onSubmit={signIn} aria-label="Sign in">
          <label>
            Email or username
            <input name="username" autoComplete="username" required value={name} onChange={(e) => setName(e.target.value)} />
          </label>
          <label>
            Password
            <input
              name="password"
              type="password"
              autoComplete="current-password"
              required
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
          </label>
          <button type="submit" disabled={busy}>
            Sign in
          </button>
          {browserSupportsWebAuthn() && (
            <button type="button" disabled={busy} onClick={signInWithPasskey}>
              Sign in with a passkey
            </button>
          )}
        </form>
      ) : (
        <form onSubmit={verify} aria-label="Two-factor code">
          <p>Enter the code from your authenticator app, or a recovery code.</p>
          <label>
            Code
            <input
              name="code"
              autoComplete="one-time-code"
              inputMode="text"
              required
              autoFocus
              value={code}
              onChange={(e) => setCode(e.target.value)}
            />
          </label>
          <button type="submit" disabled={busy}>
            Verify
          </button>
        </form>
      )}
      <ErrorBox error={error} />
    </main>
  );
}
