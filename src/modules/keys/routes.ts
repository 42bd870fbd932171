import { Type } from 'typebox';
import { principalOf } from '../../http/auth.js';
import { contextOf } from '../../http/request-context.js';
import { ProblemSchema } from '../../http/schemas.js';
import type { TypedApp } from '../../http/types.js';
import type { SigningKeyService } from './key-service.js';
import { JwksSchema, SigningKeySchema, toSigningKey } from './schemas.js';

/** Apps cache the key set this long (RFC 9111); a kid they do not know makes them fetch it again. */
const JWKS_MAX_AGE_SECONDS = 300;

export async function keyRoutes(app: TypedApp, { keys }: { keys: SigningKeyService }): Promise<void> {
  app.get(
    '/.well-known/jwks.json',
    {
      config: { auth: 'none' },
      schema: {
        operationId: 'getJwks',
        tags: ['auth'],
        summary: 'The public keys that verify access tokens (JWKS)',
        description:
          'Every key that may have signed an access token still unexpired, each with `kid`, `alg` and `use: "sig"`; pick the one named by the token header\'s `kid`. ' +
          'With `SENTINEL_JWT_ALGORITHM=HS256` (the default) tokens are signed with a shared secret and the set is empty. ' +
          `Cacheable for ${JWKS_MAX_AGE_SECONDS} seconds. A token verified locally stays valid until its \`exp\` even after logout; \`GET /auth/verify\` is the instant check.`,
        response: {
          200: {
            ...JwksSchema,
            headers: {
              'Cache-Control': Type.String({
                description: 'How long the set may be cached',
                examples: [`public, max-age=${JWKS_MAX_AGE_SECONDS}`],
              }),
            },
          },
        },
      },
    },
    async (_request, reply) => {
      reply.header('cache-control', `public, max-age=${JWKS_MAX_AGE_SECONDS}`);
      return { keys: await keys.jwks() };
    },
  );

  app.get(
    '/operator/keys',
    {
      config: { auth: 'operator' },
      schema: {
        operationId: 'listSigningKeys',
        tags: ['operator'],
        summary: 'List the keys that sign access tokens, newest first',
        description:
          'The HS256 secret shows as kid `hs256` (its tokens carry no kid, and it is never in the JWKS). Private keys are never shown.',
        response: { 200: Type.Object({ keys: Type.Array(SigningKeySchema) }) },
      },
    },
    async () => ({ keys: (await keys.list()).map(toSigningKey) }),
  );

  app.post(
    '/operator/keys/rotate',
    {
      config: { auth: 'operator' },
      schema: {
        operationId: 'rotateSigningKey',
        tags: ['operator'],
        summary: 'Make a new key the signer, at once, in every process',
        description:
          'The new key has the algorithm of the one it replaces. The replaced key stays in the JWKS, and keeps verifying, until every token it signed has expired (`retires_at`). Recorded in the audit log as `signing_key.rotated`.',
        response: {
          201: Type.Object({ key: SigningKeySchema }),
          409: { ...ProblemSchema, description: 'HS256 signs: its secret is configuration, not a key (`key_rotation_unavailable`)' },
        },
      },
    },
    async (request, reply) => {
      const key = await keys.rotate({ actorUserId: principalOf(request).userId, context: contextOf(request) });
      return reply.code(201).send({ key: toSigningKey(key) });
    },
  );
}
