import { Type } from 'typebox';
import { principalOf } from '../../http/auth.js';
import { contextOf } from '../../http/request-context.js';
import { MessageSchema, ProblemSchema } from '../../http/schemas.js';
import type { TypedApp } from '../../http/types.js';
import type { PasskeysServices } from './compose.js';
import {
  CreationOptionsSchema,
  PasskeyId,
  PasskeyListSchema,
  PasskeyName,
  PasskeySchema,
  RegistrationCredential,
  toPasskey,
  toPasskeyList,
} from './schemas.js';

const Params = Type.Object({ passkey_id: PasskeyId }, { additionalProperties: false });
const notFound = { ...ProblemSchema, description: 'No passkey with this id on your account (`passkey_not_found`)' };

/** The signed-in user's passkeys: register, list, rename, delete; and dropping the password. */
export async function passkeyUserRoutes(app: TypedApp, { registration, passkeys }: PasskeysServices): Promise<void> {
  app.post(
    '/user/passkeys/registration/options',
    {
      config: { auth: 'user' },
      schema: {
        operationId: 'passkeyRegistrationOptions',
        tags: ['passkeys', 'user'],
        summary: 'Start registering a passkey: get the WebAuthn creation options',
        description:
          'Pass `options` to `navigator.credentials.create()` (or `startRegistration({ optionsJSON: options })` of @simplewebauthn/browser), then send the result to POST /user/passkeys/registration/verify with the same access token. ' +
          'The challenge is single-use, valid 5 minutes, and bound to this session. The passkey must be discoverable and user-verified (a PIN, a fingerprint), so that it alone can sign in.',
        response: { 200: Type.Object({ options: CreationOptionsSchema }) },
      },
    },
    async (request) => ({ options: await registration.options(principalOf(request)) }),
  );

  app.post(
    '/user/passkeys/registration/verify',
    {
      config: { auth: 'user' },
      schema: {
        operationId: 'passkeyRegistrationVerify',
        tags: ['passkeys', 'user'],
        summary: 'Finish registering a passkey',
        description:
          "Send the authenticator's answer as @simplewebauthn/browser's `startRegistration()` returns it (RegistrationResponseJSON), and optionally a name. The challenge it signed is spent, whatever the outcome.",
        body: Type.Object(
          { name: Type.Optional(PasskeyName), credential: RegistrationCredential },
          {
            additionalProperties: false,
            examples: [
              {
                name: 'Laptop',
                credential: {
                  id: 'q2d6Yw',
                  rawId: 'q2d6Yw',
                  type: 'public-key',
                  response: {
                    clientDataJSON: 'eyJ0eXBlIjoid2ViYXV0aG4uY3JlYXRlIn0',
                    attestationObject: 'o2NmbXRkbm9uZQ',
                    transports: ['internal'],
                  },
                  clientExtensionResults: {},
                },
              },
            ],
          },
        ),
        response: {
          201: Type.Object({ passkey: PasskeySchema }),
          400: {
            ...ProblemSchema,
            description:
              'The answer does not verify: wrong origin or RP ID, no user verification, bad attestation (`passkey_registration_failed`)',
          },
          401: {
            ...ProblemSchema,
            description: 'No live registration challenge of this session matches (`invalid_passkey_challenge`), or a bad access token',
          },
          409: { ...ProblemSchema, description: 'This passkey is already registered (`passkey_exists`)' },
        },
      },
    },
    async (request, reply) => {
      const passkey = await registration.verify(principalOf(request), request.body.name, request.body.credential, contextOf(request));
      return reply.code(201).send({ passkey: toPasskey(passkey) });
    },
  );

  app.get(
    '/user/passkeys',
    {
      config: { auth: 'user' },
      schema: {
        operationId: 'listOwnPasskeys',
        tags: ['passkeys', 'user'],
        summary: 'List your passkeys',
        description: 'Oldest first; also says whether the account still has a password.',
        response: { 200: PasskeyListSchema },
      },
    },
    async (request) => toPasskeyList(await passkeys.list(principalOf(request).userId)),
  );

  app.patch(
    '/user/passkeys/:passkey_id',
    {
      config: { auth: 'user' },
      schema: {
        operationId: 'renameOwnPasskey',
        tags: ['passkeys', 'user'],
        summary: 'Rename one of your passkeys',
        description: 'Names are for the user only: they need not be unique.',
        params: Params,
        body: Type.Object({ name: PasskeyName }, { additionalProperties: false, examples: [{ name: 'Work laptop' }] }),
        response: { 200: Type.Object({ passkey: PasskeySchema }), 404: notFound },
      },
    },
    async (request) => {
      const userId = principalOf(request).userId;
      const change = { actorUserId: userId, context: contextOf(request) };
      return { passkey: toPasskey(await passkeys.rename(userId, request.params.passkey_id, request.body.name, change)) };
    },
  );

  app.delete(
    '/user/passkeys/:passkey_id',
    {
      config: { auth: 'user' },
      schema: {
        operationId: 'deleteOwnPasskey',
        tags: ['passkeys', 'user'],
        summary: 'Delete one of your passkeys',
        description: 'It can no longer sign in. Refused for the last passkey of an account without a password.',
        params: Params,
        response: {
          204: Type.Null({ description: 'Deleted' }),
          404: notFound,
          409: { ...ProblemSchema, description: 'The last passkey of an account without a password (`last_way_in`)' },
        },
      },
    },
    async (request, reply) => {
      const userId = principalOf(request).userId;
      await passkeys.delete(userId, request.params.passkey_id, { actorUserId: userId, context: contextOf(request) });
      return reply.code(204).send(null);
    },
  );

  app.delete(
    '/user/password',
    {
      config: { auth: 'user' },
      schema: {
        operationId: 'removeOwnPassword',
        tags: ['passkeys', 'user'],
        summary: 'Remove your password (sign in with passkeys only)',
        description:
          'Needs at least one passkey. Afterwards a password login to the account fails like a wrong password, and the last passkey cannot be deleted. ' +
          'A password comes back through an operator (POST /operator/profile/reset-user-password) or a password-reset mail. Sessions stay.',
        response: {
          200: MessageSchema,
          409: {
            ...ProblemSchema,
            description: 'The account has no passkey (`passkey_required`) or no password (`password_not_set`)',
          },
        },
      },
    },
    async (request) => {
      const userId = principalOf(request).userId;
      await passkeys.removePassword(userId, { actorUserId: userId, context: contextOf(request) });
      return { message: 'Password removed; sign in with a passkey' };
    },
  );
}
