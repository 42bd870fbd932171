import { contextOf } from '../../http/request-context.js';
import { ProblemSchema } from '../../http/schemas.js';
import type { TypedApp } from '../../http/types.js';
import { SessionSchema, toSessionBody } from '../accounts/schemas.js';
import type { PasskeysServices } from './compose.js';
import {
  LoginOptionsBody,
  LoginOptionsSchema,
  loginNameOf,
  LoginVerifyBody,
  PasskeyRateLimited as rateLimited,
  toLoginOptions,
} from './schemas.js';

/** Signing in with a passkey, usernameless or after an email or username. */
export async function passkeyLoginRoutes(app: TypedApp, { login }: PasskeysServices): Promise<void> {
  app.post(
    '/auth/passkeys/login/options',
    {
      config: { auth: 'apiKey', rateLimit: {} },
      schema: {
        operationId: 'passkeyLoginOptions',
        tags: ['auth', 'passkeys'],
        summary: 'Start a passkey login: get the WebAuthn request options',
        description:
          "With an empty body the login is usernameless: the browser offers the discoverable passkeys it holds for this site. With `email` or `username` the options list that account's passkeys (`allowCredentials`); a name of no account gets a made-up passkey, so the answer tells nothing about which accounts exist. " +
          'Pass `options` to `navigator.credentials.get()` (or `startAuthentication({ optionsJSON: options })`), then send the result with `login_id` to POST /auth/passkeys/login/verify with the same API key. The challenge is single-use and valid 5 minutes.',
        body: LoginOptionsBody,
        response: {
          200: LoginOptionsSchema,
          401: { ...ProblemSchema, description: 'Missing or invalid X-API-KEY (`invalid_api_key`)' },
          429: rateLimited,
        },
      },
    },
    async (request) => toLoginOptions(await login.options(loginNameOf(request.body), contextOf(request))),
  );

  app.post(
    '/auth/passkeys/login/verify',
    {
      config: { auth: 'apiKey', rateLimit: {} },
      schema: {
        operationId: 'passkeyLoginVerify',
        tags: ['auth', 'passkeys'],
        summary: 'Finish a passkey login: get a Session',
        description:
          "Send `login_id` and the authenticator's answer as `startAuthentication()` returns it (AuthenticationResponseJSON). A verified, user-verified passkey counts as both factors: the answer is the same Session as /auth/login's, with no TOTP step. " +
          "The attempt is spent by the first verification, right or wrong. Refused: a replayed answer, one from an origin this server does not accept, one signed for another attempt's challenge, and a signature counter that went backwards (audited as `passkey.counter_regressed`). " +
          'Failures count towards the account lockout shared with /auth/login.',
        body: LoginVerifyBody,
        response: {
          200: SessionSchema,
          401: {
            ...ProblemSchema,
            description:
              'Unknown, expired or used `login_id`, or one issued through another app (`invalid_passkey_challenge`); a passkey that is unknown, does not verify, or whose counter went backwards (`invalid_passkey`); missing or invalid X-API-KEY',
          },
          429: rateLimited,
        },
      },
    },
    async (request) => toSessionBody(await login.verify(request.body.login_id, request.body.credential, contextOf(request))),
  );
}
