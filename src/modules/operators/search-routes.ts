import type { TypedApp } from '../../http/types.js';
import { toUser } from '../accounts/schemas.js';
import { readTimePage } from './keyset.js';
import { UserListBody, UserListQuery } from './schemas.js';
import type { UserAdminService } from './user-admin-service.js';

/** Finding users: a prefix search over names and emails, filtered by state and role. */
export async function operatorSearchRoutes(app: TypedApp, { userAdmin }: { userAdmin: UserAdminService }): Promise<void> {
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
}
