import { Type } from 'typebox';
import { operatorActionOf } from '../../http/request-context.js';
import { ProblemSchema, UserId } from '../../http/schemas.js';
import type { TypedApp } from '../../http/types.js';
import type { PasskeysServices } from './compose.js';
import { PasskeyId, PasskeyListSchema, toPasskeyList } from './schemas.js';

const UserParams = Type.Object({ userid: UserId }, { additionalProperties: false });
const PasskeyParams = Type.Object({ userid: UserId, passkey_id: PasskeyId }, { additionalProperties: false });

/** Operators see a user's passkeys and remove them (a lost or stolen device). */
export async function passkeyOperatorRoutes(app: TypedApp, { passkeys }: PasskeysServices): Promise<void> {
  app.get(
    '/operator/users/:userid/passkeys',
    {
      config: { auth: 'operator' },
      schema: {
        operationId: 'operatorListPasskeys',
        tags: ['operator', 'passkeys'],
        summary: "List a user's passkeys",
        description: 'Oldest first, with whether the account still has a password. Credential ids and public keys are never shown.',
        params: UserParams,
        response: { 200: PasskeyListSchema, 404: { ...ProblemSchema, description: 'No active user with this id (`user_not_found`)' } },
      },
    },
    async (request) => toPasskeyList(await passkeys.list(request.params.userid)),
  );

  app.delete(
    '/operator/users/:userid/passkeys/:passkey_id',
    {
      config: { auth: 'operator' },
      schema: {
        operationId: 'operatorDeletePasskey',
        tags: ['operator', 'passkeys'],
        summary: "Remove a user's passkey",
        description:
          "It can no longer sign in; the user's sessions stay (end them with the sessions routes if the device was stolen). The last passkey of an account without a password is refused: set a password first (POST /operator/profile/reset-user-password).",
        params: PasskeyParams,
        response: {
          204: Type.Null({ description: 'Deleted' }),
          404: {
            ...ProblemSchema,
            description: 'No active user with this id (`user_not_found`), or no such passkey of theirs (`passkey_not_found`)',
          },
          409: { ...ProblemSchema, description: 'The last passkey of an account without a password (`last_way_in`)' },
        },
      },
    },
    async (request, reply) => {
      await passkeys.delete(request.params.userid, request.params.passkey_id, operatorActionOf(request));
      return reply.code(204).send(null);
    },
  );
}
