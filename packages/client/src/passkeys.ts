import type { Client } from 'openapi-fetch';
import { call } from './call.js';
import type { paths } from './generated/openapi.js';
import type { Answer, Body, Session } from './types.js';

export type Passkey = Answer<'listOwnPasskeys', 200>['passkeys'][number];
/** What `startRegistration()` of @simplewebauthn/browser returns (RegistrationResponseJSON). */
export type RegistrationCredential = Body<'passkeyRegistrationVerify'>['credential'];
/** What `startAuthentication()` of @simplewebauthn/browser returns (AuthenticationResponseJSON). */
export type AuthenticationCredential = Body<'passkeyLoginVerify'>['credential'];

/**
 * Passkeys: signing in with one, and the logged-in user's own. Registering is two calls around the browser's ceremony:
 * `const options = await client.passkeys.registrationOptions()`, then
 * `await client.passkeys.register(await startRegistration({ optionsJSON: options }), 'Laptop')`.
 */
export function passkeysApi(api: Client<paths>, started: (session: Session) => Session) {
  return {
    /** WebAuthn creation options (single-use challenge, 5 minutes, bound to this session). */
    async registrationOptions(): Promise<Answer<'passkeyRegistrationOptions', 200>['options']> {
      return (await call(api.POST('/user/passkeys/registration/options'))).data.options;
    },
    /** Verifies the authenticator's answer and stores the passkey, optionally named. */
    async register(credential: RegistrationCredential, name?: string): Promise<Passkey> {
      const body = name === undefined ? { credential } : { credential, name };
      return (await call(api.POST('/user/passkeys/registration/verify', { body }))).data.passkey;
    },
    /** The passkeys, and whether the account still has a password. */
    async list(): Promise<Answer<'listOwnPasskeys', 200>> {
      return (await call(api.GET('/user/passkeys'))).data;
    },
    async rename(passkeyId: string, name: string): Promise<Passkey> {
      return (await call(api.PATCH('/user/passkeys/{passkey_id}', { params: { path: { passkey_id: passkeyId } }, body: { name } }))).data
        .passkey;
    },
    /** Refused (409) for the last passkey of an account without a password. */
    async remove(passkeyId: string): Promise<void> {
      await call(api.DELETE('/user/passkeys/{passkey_id}', { params: { path: { passkey_id: passkeyId } } }));
    },
    /** Signs in with passkeys only from now on (needs one passkey at least). */
    async removePassword(): Promise<void> {
      await call(api.DELETE('/user/password'));
    },
    /**
     * Starts a passkey sign-in (the app's API key is sent): without a name for a usernameless
     * sign-in, or with the email or username typed. Pass `options` to
     * `startAuthentication({ optionsJSON: options })`, then its answer and `login_id` to `login`.
     */
    async loginOptions(name: Body<'passkeyLoginOptions'> = {}): Promise<Answer<'passkeyLoginOptions', 200>> {
      return (await call(api.POST('/auth/passkeys/login/options', { body: name }))).data;
    },
    /** Finishes a passkey sign-in: the session starts, with no TOTP step (a passkey is both factors). */
    async login(loginId: string, credential: AuthenticationCredential): Promise<Session> {
      return started((await call(api.POST('/auth/passkeys/login/verify', { body: { login_id: loginId, credential } }))).data);
    },
  };
}
