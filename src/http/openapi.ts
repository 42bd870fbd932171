import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';

const DESCRIPTION = `One user base shared by many apps; each app keeps its own JSON profiles per user.

**Authentication.** \`X-API-KEY\` (the bootstrap key or an app's key) on registration and login;
\`Authorization: Bearer <access token>\` everywhere else. Operator routes need a token whose user
is an operator.

**Errors** are RFC 9457 problem details (\`application/problem+json\`): \`{type, title, status, detail, errors?}\`.
\`type\` is \`urn:sentinel:problem:<code>\`, stable across versions; \`errors[]\` names each invalid field by
JSON pointer (body) or \`querystring/<name>\`, \`params/<name>\`.

**Lists** take \`limit\` (default 50, at most 1000) and the opaque \`cursor\` from the previous page's \`next_cursor\`.`;

/** The OpenAPI 3.1 document at /openapi.json, built from the route schemas, and Swagger UI at /docs. */
export async function installOpenApi(app: FastifyInstance, version: string): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Sentinel', version, description: DESCRIPTION },
      tags: [
        { name: 'auth', description: 'Registration, login, tokens and sessions' },
        { name: 'user', description: "The caller's own account" },
        { name: 'apps', description: 'Registered apps' },
        { name: 'profiles', description: 'Per-app JSON profiles of users' },
        { name: 'operator', description: 'Administration (operator token required)' },
        { name: 'system', description: 'Health and documentation' },
      ],
      components: {
        securitySchemes: {
          apiKey: { type: 'apiKey', in: 'header', name: 'X-API-KEY', description: 'Bootstrap or app API key' },
          bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'Access token from /auth/login' },
        },
      },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { deepLinking: true } });
  app.get('/openapi.json', { config: { auth: 'none' }, schema: { hide: true } }, async () => app.swagger());
}
