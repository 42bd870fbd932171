import { contextOf } from '../../http/request-context.js';
import { ProblemSchema } from '../../http/schemas.js';
import type { TypedApp } from '../../http/types.js';
import { SessionSchema, toSessionBody } from '../accounts/schemas.js';
import type { PasskeysServices } from './compose.js';
import type { LoginPlace } from './login-service.js';
import { LoginOptionsBody, LoginOptionsSchema, loginNameOf, LoginVerifyBody, PasskeyRateLimited, toLoginOptions } from './schemas.js';

/** Challenges of the console are spent only by the console's verify (not by an app's /auth/passkeys/login/verify). */
const CONSOLE: LoginPlace = { boundTo: 'operator-console', operatorOnly: true };

/**
 * The operator console's passkey sign-in: the same ceremony as /auth/passkeys/login/*, without
 * an API key (like POST /operator/login), for operators only, rate-limited per address.
 */
export async function passkeyConsoleLoginRoutes(app: TypedApp, { login }: PasskeysServices): Promise<void> {
  app.post(
    '/operator/passkeys/login/options',
    {
      config: { auth: 'none', rateLimit: {} },
      schema: {
        operationId: 'operatorPasskeyLoginOptions',
        tags: ['operator', 'passkeys'],
        summary: "Start an operator's passkey sign-in (the console), without an API key",
        description:
          'As POST /auth/passkeys/login/options: an empty body for a usernameless sign-in, or `email` or `username`. Send the answer with `login_id` to POST /operator/passkeys/login/verify; the challenge is single-use, valid 5 minutes, and works only there.',
        body: LoginOptionsBody,
        response: { 200: LoginOptionsSchema, 429: PasskeyRateLimited },
      },
    },
    async (request) => toLoginOptions(await login.options(loginNameOf(request.body), contextOf(request), CONSOLE)),
  );

  app.post(
    '/operator/passkeys/login/verify',
    {
      config: { auth: 'none', rateLimit: {} },
      schema: {
        operationId: 'operatorPasskeyLoginVerify',
        tags: ['operator', 'passkeys'],
        summary: "Finish an operator's passkey sign-in: get a Session",
        description:
          'As POST /auth/passkeys/login/verify (no TOTP step after a passkey, the same refusals and lockout), for challenges of POST /operator/passkeys/login/options only. A user who is not an operator gets 403 (after the passkey was checked) and no session.',
        body: LoginVerifyBody,
        response: {
          200: SessionSchema,
          401: {
            ...ProblemSchema,
            description:
              'Unknown, expired or used `login_id`, or one not issued by the console (`invalid_passkey_challenge`); a passkey that is unknown or does not verify (`invalid_passkey`)',
          },
          403: { ...ProblemSchema, description: 'The passkey belongs to a user who is not an operator (`forbidden`)' },
          429: PasskeyRateLimited,
        },
      },
    },
    async (request) => toSessionBody(await login.verify(request.body.login_id, request.body.credential, contextOf(request), CONSOLE)),
  );
}
