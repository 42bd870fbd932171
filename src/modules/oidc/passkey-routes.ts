import { Type } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { contextOf } from '../../http/request-context.js';
import { ProblemSchema } from '../../http/schemas.js';
import type { TypedApp } from '../../http/types.js';
import {
  LoginOptionsBody,
  LoginOptionsSchema,
  loginNameOf,
  LoginVerifyBody,
  PasskeyRateLimited,
  toLoginOptions,
} from '../passkeys/schemas.js';
import { OidcErrors } from './errors.js';
import type { InteractionView, OidcInteractionService } from './interaction-service.js';
import { PASSKEY_SCRIPT, PASSKEY_SCRIPT_PATH } from './passkey-script.js';

const Uid = Type.Object({ uid: Type.String({ minLength: 1, maxLength: 64, description: 'The interaction (from the page URL)' }) });
const expired = {
  ...ProblemSchema,
  description: 'The sign-in request is unknown, expired, or was opened in another browser (`sign_in_expired`)',
};

/**
 * "Sign in with a passkey" on the hosted login page (/account/login/:uid): the passkey login
 * ceremony without an API key, bound to the interaction whose cookie the browser sends; a
 * verified passkey finishes the OIDC login like the password path, without a TOTP step.
 */
export async function oidcPasskeyRoutes(app: TypedApp, { interactions }: { interactions: OidcInteractionService }): Promise<void> {
  const raw = (request: FastifyRequest, reply: FastifyReply) => ({ req: request.raw, res: reply.raw });

  /** The interaction of the page, or sign_in_expired when there is no such interaction for this browser. */
  const viewOf = async (request: FastifyRequest, reply: FastifyReply, uid: string): Promise<InteractionView> => {
    const view = await interactions.view(raw(request, reply)).catch(() => undefined);
    if (view?.uid !== uid || view.prompt !== 'login') {
      throw OidcErrors.signInExpired('This sign-in request has expired or was opened in another browser');
    }
    return view;
  };

  app.get(PASSKEY_SCRIPT_PATH, { config: { auth: 'none' }, schema: { hide: true } }, async (_request, reply) =>
    reply.header('content-type', 'text/javascript; charset=utf-8').header('cache-control', 'public, max-age=3600').send(PASSKEY_SCRIPT),
  );

  app.post(
    '/account/login/:uid/passkey/options',
    {
      config: { auth: 'none', rateLimit: {} },
      schema: {
        operationId: 'oidcPasskeyLoginOptions',
        tags: ['auth', 'passkeys'],
        summary: 'Start a passkey sign-in on the hosted OpenID Connect login page',
        description:
          "Called by the login page's script (no API key: the browser's interaction cookie names the request). As POST /auth/passkeys/login/options; the challenge is single-use, valid 5 minutes, and works only with this interaction's POST /account/login/{uid}/passkey/verify.",
        params: Uid,
        body: LoginOptionsBody,
        response: { 200: LoginOptionsSchema, 400: expired, 429: PasskeyRateLimited },
      },
    },
    async (request, reply) => {
      const view = await viewOf(request, reply, request.params.uid);
      return toLoginOptions(await interactions.passkeyOptions(view, loginNameOf(request.body), contextOf(request)));
    },
  );

  app.post(
    '/account/login/:uid/passkey/verify',
    {
      config: { auth: 'none', rateLimit: {} },
      schema: {
        operationId: 'oidcPasskeyLoginVerify',
        tags: ['auth', 'passkeys'],
        summary: 'Finish a passkey sign-in on the hosted login page: where the browser goes next',
        description:
          'As POST /auth/passkeys/login/verify (the same refusals, lockout and audit), then the OpenID Connect login is finished like the password path: a Sentinel session, `amr` `["hwk", "mfa"]`, no TOTP step. The browser goes on to `redirect_to` (the provider, then consent or the app).',
        params: Uid,
        body: LoginVerifyBody,
        response: {
          200: Type.Object({
            redirect_to: Type.String({ description: "The provider's resume URL", examples: ['https://id.example.com/oidc/auth/6Jx0...'] }),
          }),
          400: expired,
          401: {
            ...ProblemSchema,
            description:
              'Unknown, expired or used `login_id`, or one of another sign-in (`invalid_passkey_challenge`); a passkey that is unknown or does not verify (`invalid_passkey`)',
          },
          429: PasskeyRateLimited,
        },
      },
    },
    async (request, reply) => {
      const view = await viewOf(request, reply, request.params.uid);
      const { login_id: loginId, credential } = request.body;
      return { redirect_to: await interactions.passkeyVerify(raw(request, reply), view, { loginId, credential }, contextOf(request)) };
    },
  );
}
