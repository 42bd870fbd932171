import { Type } from 'typebox';
import { operatorActionOf } from '../../http/request-context.js';
import { ProblemSchema } from '../../http/schemas.js';
import type { TypedApp } from '../../http/types.js';
import { AppParams } from '../apps/schemas.js';
import type { OidcClientService } from './client-service.js';
import { ClientNotFound, ClientSecret, NewClientBody, OidcClientSchema, toOidcClient } from './schemas.js';

/** Operators make an app an OpenID Connect client, read it, and stop it being one. */
export async function oidcClientRoutes(app: TypedApp, { clients, issuer }: { clients: OidcClientService; issuer: string }): Promise<void> {
  app.post(
    '/operator/app/:appid/oidc-client',
    {
      config: { auth: 'operator' },
      schema: {
        operationId: 'createOidcClient',
        tags: ['apps', 'operator'],
        summary: 'Make an app an OpenID Connect client',
        description:
          "The client id is the app id. A confidential client's secret is in this answer only. Redirect URIs must be on the app's domains. Recorded as `oidc_client.created`. See docs/oidc.md.",
        params: AppParams,
        body: NewClientBody,
        response: {
          201: Type.Object({ client: OidcClientSchema, client_secret: Type.Optional(ClientSecret) }),
          400: {
            ...ProblemSchema,
            description: "A redirect URI is not an http(s) URL on one of the app's domains (`invalid_redirect_uri`)",
          },
          404: { ...ProblemSchema, description: 'No app with this id (`app_not_found`)' },
          409: { ...ProblemSchema, description: 'The app is already a client (`oidc_client_exists`)' },
        },
      },
    },
    async (request, reply) => {
      const { body } = request;
      const { client, secret } = await clients.create(
        request.params.appid,
        {
          type: body.type,
          redirectUris: body.redirect_uris,
          postLogoutRedirectUris: body.post_logout_redirect_uris ?? [],
          firstParty: body.first_party ?? false,
        },
        operatorActionOf(request),
      );
      return reply.code(201).send({ client: toOidcClient(client, issuer), ...(secret ? { client_secret: secret } : {}) });
    },
  );

  app.get(
    '/operator/app/:appid/oidc-client',
    {
      config: { auth: 'operator' },
      schema: {
        operationId: 'getOidcClient',
        tags: ['apps', 'operator'],
        summary: "An app's OpenID Connect client settings (never its secret)",
        description:
          'The client id, type, redirect URIs and whether users are asked to consent. The secret was shown once, when the client was made.',
        params: AppParams,
        response: { 200: Type.Object({ client: OidcClientSchema }), 404: ClientNotFound },
      },
    },
    async (request) => ({ client: toOidcClient(await clients.get(request.params.appid), issuer) }),
  );

  app.delete(
    '/operator/app/:appid/oidc-client',
    {
      config: { auth: 'operator' },
      schema: {
        operationId: 'deleteOidcClient',
        tags: ['apps', 'operator'],
        summary: 'Stop an app being an OpenID Connect client',
        description: 'Its tokens stop working at once (the provider no longer finds the client). Recorded as `oidc_client.deleted`.',
        params: AppParams,
        response: { 204: Type.Null({ description: 'Deleted' }), 404: ClientNotFound },
      },
    },
    async (request, reply) => {
      await clients.remove(request.params.appid, operatorActionOf(request));
      return reply.code(204).send(null);
    },
  );
}
