import { Type, type Static } from 'typebox';
import { ProblemSchema } from '../../http/schemas.js';
import type { OidcClientWithApp } from './clients-repository.js';

const Uri = Type.String({ minLength: 1, maxLength: 2000, examples: ['https://notes.example.com/auth/callback'] });

export const NewClientBody = Type.Object(
  {
    type: Type.Union([Type.Literal('confidential'), Type.Literal('public')], {
      description:
        '`confidential`: a server-side app that keeps a client secret (client_secret_basic). `public`: a browser or native app with no secret, which must use PKCE.',
      examples: ['confidential'],
    }),
    redirect_uris: Type.Array(Uri, {
      minItems: 1,
      maxItems: 20,
      description: "Where codes may be sent; each host must be one of the app's domains",
    }),
    post_logout_redirect_uris: Type.Optional(
      Type.Array(Uri, { maxItems: 20, description: "Where the app may send users after logout; each host one of the app's domains" }),
    ),
    first_party: Type.Optional(
      Type.Boolean({
        description: "The operator's own app: its users are not asked to consent. Default false (third-party).",
        examples: [false],
      }),
    ),
  },
  {
    additionalProperties: false,
    examples: [{ type: 'confidential', redirect_uris: ['https://notes.example.com/auth/callback'], first_party: false }],
  },
);

export const OidcClientSchema = Type.Object(
  {
    client_id: Type.String({ description: 'The app id, as text', examples: ['3'] }),
    app_id: Type.Integer({ minimum: 1, examples: [3] }),
    type: Type.String({ examples: ['confidential'] }),
    redirect_uris: Type.Array(Type.String(), { examples: [['https://notes.example.com/auth/callback']] }),
    post_logout_redirect_uris: Type.Array(Type.String(), { examples: [['https://notes.example.com/']] }),
    first_party: Type.Boolean({ examples: [false] }),
    issuer: Type.String({
      description: 'The issuer (discovery at its /.well-known/openid-configuration)',
      examples: ['https://id.example.com'],
    }),
    created_at: Type.String({ format: 'date-time', examples: ['2026-12-01T03:00:00.000Z'] }),
  },
  { title: 'OidcClient', description: 'An app as an OpenID Connect client, without its secret' },
);
export type OidcClient = Static<typeof OidcClientSchema>;

export const ClientSecret = Type.String({
  description: 'The client secret, shown this once (confidential clients only). Stored encrypted.',
  examples: ['kq3V7xT9aK1m0pZr4s8dW2yB6nC5eF1gH3jL7oQ9uX0'],
});

export const ClientNotFound = {
  ...ProblemSchema,
  description: 'No app with this id (`app_not_found`), or it is not a client (`oidc_client_not_found`)',
};

export function toOidcClient(client: OidcClientWithApp, issuer: string): OidcClient {
  return {
    client_id: String(client.appId),
    app_id: client.appId,
    type: client.clientType,
    redirect_uris: client.redirectUris,
    post_logout_redirect_uris: client.postLogoutRedirectUris,
    first_party: client.firstParty,
    issuer,
    created_at: client.createdAt.toISOString(),
  };
}
