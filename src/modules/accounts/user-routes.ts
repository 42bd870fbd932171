import { Type } from 'typebox';
import { principalOf } from '../../http/auth.js';
import { contextOf } from '../../http/request-context.js';
import { MessageSchema, ProblemSchema } from '../../http/schemas.js';
import type { TypedApp } from '../../http/types.js';
import type { AccountService } from './account-service.js';
import { toUser, UserInfoUpdateBody, UserSchema } from './schemas.js';

export async function userRoutes(app: TypedApp, { accounts }: { accounts: AccountService }): Promise<void> {
  app.post(
    '/user/userinfo/update',
    {
      config: { auth: 'user' },
      schema: {
        operationId: 'updateUserInfo',
        tags: ['user'],
        summary: 'Change your username, email or names',
        description:
          'Send at least one field. The claims in your current access token change at its next refresh. ' +
          'When the server sends mail (SMTP_URL), a new `email` takes effect only once the link mailed to it is confirmed (POST /auth/verify-email/confirm); the answer still shows the old address, and the old address is told of the change.',
        body: UserInfoUpdateBody,
        response: {
          200: Type.Object({ user: UserSchema }),
          409: { ...ProblemSchema, description: 'Email (`email_taken`) or username (`username_taken`) already used by another account' },
        },
      },
    },
    async (request) => ({ user: toUser(await accounts.updateInfo(principalOf(request), request.body, contextOf(request))) }),
  );

  app.get(
    '/user/delete',
    {
      config: { auth: 'user' },
      schema: {
        operationId: 'deleteAccount',
        tags: ['user'],
        summary: 'Delete your account',
        description:
          'Soft delete: the account stops working at once and every session ends. Operators can restore it until it is purged. The last operator cannot delete their account (409).',
        response: { 200: MessageSchema, 409: { ...ProblemSchema, description: 'You are the last operator (`last_operator`)' } },
      },
    },
    async (request) => {
      await accounts.deleteAccount(principalOf(request), contextOf(request));
      return { message: 'Account deleted' };
    },
  );
}
