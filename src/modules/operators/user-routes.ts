import { Type } from 'typebox';
import { principalOf } from '../../http/auth.js';
import { contextOf } from '../../http/request-context.js';
import { PageQuery, ProblemSchema, withHeaders } from '../../http/schemas.js';
import type { TypedApp } from '../../http/types.js';
import { Email, toUser } from '../accounts/schemas.js';
import {
  OperatorRegisterBody,
  OperatorUpdateBody,
  OperatorUserBody,
  PasswordResetBody,
  ResetUserPasswordBody,
  UserDeletedBody,
  UserListBody,
  UserLookupBody,
} from './schemas.js';
import { readTimePage } from './keyset.js';
import type { UserAdminService } from './user-admin-service.js';

const notFound = { ...ProblemSchema, description: 'No user matches (`user_not_found`)' };
const deleted = { ...ProblemSchema, description: 'The user is soft-deleted: restore them first (`user_deleted`)' };

/** The original Sentinel's operator routes for users, at their original paths. */
export async function operatorUserRoutes(app: TypedApp, { userAdmin }: { userAdmin: UserAdminService }): Promise<void> {
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
        response: { 200: PasswordResetBody, 404: notFound, 409: deleted },
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
        response: { 200: OperatorUserBody, 404: notFound },
      },
    },
    async (request) => ({ user: toUser(await userAdmin.find(request.body)) }),
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
          404: notFound,
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

  app.get(
    '/operator/users/deleted',
    {
      config: { auth: 'operator' },
      schema: {
        operationId: 'operatorListDeletedUsers',
        tags: ['operator'],
        summary: 'List soft-deleted users, most recently deleted first',
        description: 'They can be restored (POST /operator/users/restore) until purged, by an operator or after the retention period.',
        querystring: Type.Object(PageQuery, { additionalProperties: false }),
        response: { 200: UserListBody },
      },
    },
    async (request) => {
      const { items, nextCursor } = await userAdmin.listDeleted(readTimePage(request.query));
      return { users: items.map(({ user }) => toUser(user)), next_cursor: nextCursor };
    },
  );

  app.get(
    '/operator/users/delete/:email',
    {
      config: { auth: 'operator' },
      schema: {
        operationId: 'operatorDeleteUser',
        tags: ['operator'],
        summary: 'Soft-delete the user with this email',
        description:
          'URL-encode the email (`@` may stay as is; `+` is a plus, not a space). The account stops working and every session ends at once; it keeps its email and username until purged, and can be restored. You cannot delete yourself if you are the last operator.',
        params: Type.Object({ email: { ...Email, description: 'The email, URL-encoded; any case' } }),
        response: {
          200: UserDeletedBody,
          404: notFound,
          409: { ...ProblemSchema, description: 'Already deleted (`user_deleted`), or you are the last operator (`last_operator`)' },
        },
      },
    },
    async (request) => {
      const userId = await userAdmin.softDelete(request.params.email, principalOf(request).userId, contextOf(request));
      return { message: 'User deleted; their sessions have ended', user_id: userId };
    },
  );
}
