import { principalOf } from '../../http/auth.js';
import { contextOf } from '../../http/request-context.js';
import { ProblemSchema, withHeaders } from '../../http/schemas.js';
import type { TypedApp } from '../../http/types.js';
import { toUser } from '../accounts/schemas.js';
import {
  OperatorProblems,
  OperatorRegisterBody,
  OperatorUpdateBody,
  OperatorUserBody,
  PasswordResetBody,
  ResetUserPasswordBody,
  UserIdParams,
  UserLookupBody,
} from './schemas.js';
import type { UserAdminService } from './user-admin-service.js';

/** One user's account, as operators create, find, change and reset it (most at the original's paths). */
export async function operatorUsersRoutes(app: TypedApp, { userAdmin }: { userAdmin: UserAdminService }): Promise<void> {
  app.post(
    '/operator/profile/register',
    {
      config: { auth: 'operator' },
      schema: {
        operationId: 'operatorRegisterUser',
        tags: ['operator'],
        summary: 'Create a user, optionally an operator',
        description: 'The body of POST /auth/register, plus `"operator": true` to create an operator. Recorded as `operator.user_created`.',
        body: OperatorRegisterBody,
        response: {
          201: withHeaders(OperatorUserBody, 'Location'),
          409: {
            ...ProblemSchema,
            description:
              'Email (`email_taken`) or username (`username_taken`) already registered; soft-deleted accounts keep theirs until purged',
          },
        },
      },
    },
    async (request, reply) => {
      const user = await userAdmin.register(request.body, principalOf(request).userId, contextOf(request));
      return reply
        .code(201)
        .header('Location', `/operator/users/${user.id}`)
        .send({ user: toUser(user) });
    },
  );

  app.post(
    '/operator/userinfo',
    {
      config: { auth: 'operator' },
      schema: {
        operationId: 'operatorGetUser',
        tags: ['operator'],
        summary: 'Look a user up by id, email or username',
        description:
          'Send one of `user_id`, `email`, `username` (email and username in any case); when several are sent, all must match. Soft-deleted users are found too: see `deleted_at`.',
        body: UserLookupBody,
        response: { 200: OperatorUserBody, 404: OperatorProblems.noUserMatches },
      },
    },
    async (request) => ({ user: toUser(await userAdmin.find(request.body)) }),
  );

  app.get(
    '/operator/users/:userid',
    {
      config: { auth: 'operator' },
      schema: {
        operationId: 'operatorGetUserById',
        tags: ['operator'],
        summary: 'Get one user by id (soft-deleted ones too)',
        description: 'deleted_at tells whether and when the user was soft-deleted.',
        params: UserIdParams,
        response: { 200: OperatorUserBody, 404: OperatorProblems.noUserWithId },
      },
    },
    async (request) => ({ user: toUser(await userAdmin.find({ user_id: request.params.userid })) }),
  );

  app.post(
    '/operator/userinfo/update',
    {
      config: { auth: 'operator' },
      schema: {
        operationId: 'operatorUpdateUser',
        tags: ['operator'],
        summary: "Change a user's names, email, username or operator role",
        description: [
          'Send `user_id` and at least one field. `"operator": true` grants the role (it shows in the user\'s tokens from their next refresh or login);',
          '`"operator": false` removes it and ends all the user\'s sessions at once, so their tokens stop working on /operator/* immediately.',
          'You cannot remove your own role if you are the last operator (409 `last_operator`).',
        ].join(' '),
        body: OperatorUpdateBody,
        response: {
          200: OperatorUserBody,
          404: OperatorProblems.noUserMatches,
          409: {
            ...ProblemSchema,
            description:
              'Email (`email_taken`) or username (`username_taken`) used by another account; the user is soft-deleted (`user_deleted`); or you are the last operator (`last_operator`)',
          },
        },
      },
    },
    async (request) => ({ user: toUser(await userAdmin.update(request.body, principalOf(request).userId, contextOf(request))) }),
  );

  app.post(
    '/operator/profile/reset-user-password',
    {
      config: { auth: 'operator' },
      schema: {
        operationId: 'operatorResetUserPassword',
        tags: ['operator'],
        summary: "Set a user's password",
        description:
          'Find the user by `user_id` or `email` (when both are sent, both must match). Every session of the user ends at once, including yours if you reset your own password.',
        body: ResetUserPasswordBody,
        response: { 200: PasswordResetBody, 404: OperatorProblems.noUserMatches, 409: OperatorProblems.userDeleted },
      },
    },
    async (request) => {
      const { new_password, ...lookup } = request.body;
      const { userId, sessionsEnded } = await userAdmin.resetPassword(
        lookup,
        new_password,
        principalOf(request).userId,
        contextOf(request),
      );
      return { message: 'Password reset; the user must log in again', user_id: userId, sessions_ended: sessionsEnded };
    },
  );
}
