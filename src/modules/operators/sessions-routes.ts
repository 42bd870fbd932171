import { principalOf } from '../../http/auth.js';
import { contextOf } from '../../http/request-context.js';
import { ProblemSchema } from '../../http/schemas.js';
import type { TypedApp } from '../../http/types.js';
import {
  OperatorProblems,
  RevokedBody,
  SessionListBody,
  SessionListQuery,
  SessionParams,
  toOperatorSession,
  UserIdParams,
} from './schemas.js';
import { readTimePage } from './keyset.js';
import type { SessionAdminService } from './session-admin-service.js';

/** A user's sessions: list, and end one or all. */
export async function operatorSessionsRoutes(app: TypedApp, { sessionAdmin }: { sessionAdmin: SessionAdminService }): Promise<void> {
  app.get(
    '/operator/users/:userid/sessions',
    {
      config: { auth: 'operator' },
      schema: {
        operationId: 'operatorListUserSessions',
        tags: ['operator'],
        summary: "List a user's sessions, newest first",
        description: 'Ended sessions are listed too unless `active=true`. Tokens and their hashes are never shown.',
        params: UserIdParams,
        querystring: SessionListQuery,
        response: { 200: SessionListBody, 404: OperatorProblems.noUserWithId },
      },
    },
    async (request) => {
      const { items, nextCursor } = await sessionAdmin.list(request.params.userid, request.query.active, readTimePage(request.query));
      return { sessions: items.map(({ session }) => toOperatorSession(session)), next_cursor: nextCursor };
    },
  );

  app.delete(
    '/operator/users/:userid/sessions',
    {
      config: { auth: 'operator' },
      schema: {
        operationId: 'operatorRevokeUserSessions',
        tags: ['operator'],
        summary: "End all of a user's sessions",
        description: 'Their access and refresh tokens stop working at once, in every server process.',
        params: UserIdParams,
        response: { 200: RevokedBody, 404: OperatorProblems.noUserWithId },
      },
    },
    async (request) => {
      const revoked = await sessionAdmin.revokeAll(request.params.userid, principalOf(request).userId, contextOf(request));
      return { message: 'Sessions revoked', revoked_sessions: revoked };
    },
  );

  app.delete(
    '/operator/users/:userid/sessions/:sessionid',
    {
      config: { auth: 'operator' },
      schema: {
        operationId: 'operatorRevokeUserSession',
        tags: ['operator'],
        summary: 'End one session of a user',
        description: 'Answers `revoked_sessions: 0` if the session had already ended.',
        params: SessionParams,
        response: {
          200: RevokedBody,
          404: { ...ProblemSchema, description: 'No such user (`user_not_found`), or no such session of this user (`session_not_found`)' },
        },
      },
    },
    async (request) => {
      const { userid, sessionid } = request.params;
      const revoked = await sessionAdmin.revokeOne(userid, sessionid, principalOf(request).userId, contextOf(request));
      return { message: revoked ? 'Session revoked' : 'The session had already ended', revoked_sessions: revoked };
    },
  );
}
