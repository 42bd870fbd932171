import { principalOf } from '../../http/auth.js';
import { contextOf } from '../../http/request-context.js';
import { ProblemSchema } from '../../http/schemas.js';
import type { TypedApp } from '../../http/types.js';
import { toUser } from '../accounts/schemas.js';
import type { ErasureService } from './erasure-service.js';
import { readTimePage } from './keyset.js';
import { OperatorUserBody, PurgedBody, UserIdBody, UserIdParams, UserListBody, UserListQuery } from './schemas.js';
import type { UserAdminService } from './user-admin-service.js';

export interface AdminRoutesDeps {
  userAdmin: UserAdminService;
  erasure: ErasureService;
}

const notFound = { ...ProblemSchema, description: 'No user has this id (`user_not_found`)' };

/** Beyond the original: search, restore and purge. */
export async function operatorAdminRoutes(app: TypedApp, { userAdmin, erasure }: AdminRoutesDeps): Promise<void> {
  app.get(
    '/operator/users',
    {
      config: { auth: 'operator' },
      schema: {
        operationId: 'operatorListUsers',
        tags: ['operator'],
        summary: 'List and search users, newest first',
        description:
          '`q` matches the start of the email, username, first name, last name or "first last", in any case (`%` and `_` are plain characters). Soft-deleted users are included unless `deleted=false`.',
        querystring: UserListQuery,
        response: { 200: UserListBody },
      },
    },
    async (request) => {
      const { q, deleted, operator } = request.query;
      const { items, nextCursor } = await userAdmin.list({ prefix: q, deleted, operator }, readTimePage(request.query));
      return { users: items.map(({ user }) => toUser(user)), next_cursor: nextCursor };
    },
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
        response: { 200: OperatorUserBody, 404: notFound },
      },
    },
    async (request) => ({ user: toUser(await userAdmin.find({ user_id: request.params.userid })) }),
  );

  app.post(
    '/operator/users/restore',
    {
      config: { auth: 'operator' },
      schema: {
        operationId: 'operatorRestoreUser',
        tags: ['operator'],
        summary: 'Undo a soft delete',
        description:
          'The account works again with its password, profiles and operator role as they were. Its old sessions stay ended: the user logs in again. A deleted account keeps its email and username, so a restore never clashes with a newer account.',
        body: UserIdBody,
        response: {
          200: OperatorUserBody,
          404: notFound,
          409: { ...ProblemSchema, description: 'The user is not deleted (`user_not_deleted`)' },
        },
      },
    },
    async (request) => ({ user: toUser(await erasure.restore(request.body.user_id, principalOf(request).userId, contextOf(request))) }),
  );

  app.delete(
    '/operator/users/:userid',
    {
      config: { auth: 'operator' },
      schema: {
        operationId: 'operatorPurgeUser',
        tags: ['operator'],
        summary: 'Erase a soft-deleted user for good',
        description:
          'The right to erasure: deletes the user with their profiles in every app, sessions and TOTP data. Only a soft-deleted user can be purged (409 otherwise), so a purge is always a second, deliberate step. Audit events keep the user id, and nothing else about them. Their email and username become free.',
        params: UserIdParams,
        response: {
          200: PurgedBody,
          404: notFound,
          409: { ...ProblemSchema, description: 'The user is not deleted: soft-delete them first (`user_not_deleted`)' },
        },
      },
    },
    async (request) => {
      const { userid } = request.params;
      const erased = await erasure.purge(userid, principalOf(request).userId, contextOf(request));
      return { user_id: userid, profiles_deleted: erased.profiles, sessions_deleted: erased.sessions };
    },
  );
}
