import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { DOCS_POLICY } from '../modules/system/security-headers.js';
import { documentRoute, withErrorAnswers } from './route-docs.js';
import { PROBLEM_SCHEMA_ID, ProblemSchema } from './schemas.js';

const DESCRIPTION = `One user base shared by many apps; each app keeps its own JSON profiles per user.

**Authentication.** \`X-API-KEY\` (the bootstrap key or an app's key) on registration and login;
\`Authorization: Bearer <access token>\` everywhere else. Operator routes need a token whose user
is an operator. A 401 carries \`WWW-Authenticate\`: \`Bearer\` when no token was sent,
\`Bearer error="invalid_token", error_description="..."\` for a bad, expired or revoked one (RFC 6750), and
\`ApiKey header="X-API-KEY"\` when the API key is missing or wrong. A wrong password or code in a body
(\`invalid_credentials\`, \`invalid_otp_code\`) is a 401 without a challenge: the request's credentials were fine.

**Errors** are RFC 9457 problem details (\`application/problem+json\`, schema \`Problem\`): \`{type, title, status, detail, errors?}\`.
\`type\` is \`urn:sentinel:problem:<code>\`, stable across versions; each error answer below lists the codes it can carry
as examples. \`errors[]\` names each invalid field by JSON pointer (body) or \`querystring/<name>\`, \`params/<name>\`.
429 and 503 answers carry \`Retry-After\` (seconds).

**Input.** Unknown body fields are refused (400); unknown query parameters (a cache-buster \`?_=1\`) are ignored.

**Lists** take \`limit\` (default 50, at most 1000) and the opaque \`cursor\` from the previous page's \`next_cursor\`.`;

export interface OpenApiOptions {
  version: string;
  /** Where clients reach this instance (SENTINEL_PUBLIC_URL): the document's server. */
  publicUrl: string;
}

/**
 * The OpenAPI 3.1 document at /openapi.json, built from the route schemas, and Swagger UI at
 * /docs. Call before any route is declared: it completes each route's documentation as the
 * route is added (route-docs.ts) and registers the shared `Problem` schema they reference.
 */
export async function installOpenApi(app: FastifyInstance, { version, publicUrl }: OpenApiOptions): Promise<void> {
  app.addSchema({ ...ProblemSchema, $id: PROBLEM_SCHEMA_ID });
  app.addHook('onRoute', documentRoute);
  await app.register(swagger, {
    transform: withErrorAnswers,
    // Shared schemas keep their $id as their name under components.schemas (`Problem`, not `def-0`).
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Sentinel',
        version,
        description: DESCRIPTION,
        license: { name: 'MIT', identifier: 'MIT' },
      },
      servers: [{ url: publicUrl, description: 'This instance (SENTINEL_PUBLIC_URL)' }],
      tags: [
        { name: 'auth', description: 'Registration, login, tokens and sessions' },
        { name: 'user', description: "The caller's own account" },
        { name: 'apps', description: 'Registered apps' },
        { name: 'profiles', description: 'Per-app JSON profiles of users' },
        { name: 'operator', description: 'Administration (operator token required)' },
        { name: 'passkeys', description: 'WebAuthn passkeys: registration, login, management (docs/passkeys.md)' },
        { name: 'webhooks', description: 'Signed event deliveries to your URLs (docs/webhooks.md)' },
        { name: 'system', description: 'Health and documentation' },
      ],
      components: {
        securitySchemes: {
          apiKey: { type: 'apiKey', in: 'header', name: 'X-API-KEY', description: 'Bootstrap or app API key' },
          bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'Access token from /auth/login' },
          oidc: {
            type: 'openIdConnect',
            openIdConnectUrl: `${publicUrl}/.well-known/openid-configuration`,
            description:
              "An access token from Sentinel's OpenID Connect provider (see docs/oidc.md), sent as `Authorization: Bearer`. With scope `sentinel:profiles` it reaches the user's profiles in the app it was issued to.",
          },
        },
      },
    },
  });
  // The page's own content security policy; validatorUrl: null keeps it from loading a badge from another site.
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { deepLinking: true, validatorUrl: null }, staticCSP: DOCS_POLICY });
  app.get('/openapi.json', { config: { auth: 'none' }, schema: { hide: true } }, async () => app.swagger());
}
