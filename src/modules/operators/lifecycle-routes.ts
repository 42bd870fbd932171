import { Type } from 'typebox';
import { principalOf } from '../../http/auth.js';
import { contextOf } from '../../http/request-context.js';
import { PageQuery, ProblemSchema } from '../../http/schemas.js';
import type { TypedApp } from '../../http/types.js';
import { Email, toUser } from '../accounts/schemas.js';
import type { ErasureService } from './erasure-service.js';
import { readTimePage } from './keyset.js';
import { OperatorProblems, OperatorUserBody, PurgedBody, UserDeletedBody, UserIdBody, UserIdParams, UserListBody } from './schemas.js';
import type { UserAdminService } from './user-admin-service.js';

export interface LifecycleRoutesDeps {
  userAdmin: UserAdminService;
  erasure: ErasureService;
}

/** The end of an account: soft delete (the original's GET), the deleted list, restore, and purge for good. */
export async function operatorLifecycleRoutes(app: TypedApp, { userAdmin, erasure }: LifecycleRoutesDeps): Promise<void> {
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
          404: OperatorProblems.noUserMatches,
          409: { ...ProblemSchema, description: 'Already deleted (`user_deleted`), or you are the last operator (`last_operator`)' },
        },
      },
    },
    async (request) => {
      const userId = await userAdmin.softDelete(request.params.email, principalOf(request).userId, contextOf(request));
      return { message: 'User deleted; their sessions have ended', user_id: userId };
    },
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
          404: OperatorProblems.noUserWithId,
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
          404: OperatorProblems.noUserWithId,
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
