import type { Db } from '../../db/client.js';
import { inTransaction } from '../../db/transaction.js';
import { page, type PageRequest } from '../../http/pagination.js';
import type { RequestContext } from '../../http/request-context.js';
import { AccountErrors } from '../accounts/errors.js';
import type { SessionService } from '../accounts/session-service.js';
import type { UsersRepository } from '../accounts/users-repository.js';
import type { AuditLog } from '../audit/audit-log.js';
import { OperatorErrors } from './errors.js';
import { keyOf, type TimeKey } from './keyset.js';
import type { SessionAdminRepository } from './session-admin-repository.js';

export interface SessionAdminDeps {
  db: Db;
  users: UsersRepository;
  sessions: Pick<SessionService, 'endSessions'>;
  sessionAdmin: SessionAdminRepository;
  audit: AuditLog;
}

/** Operators looking at a user's logins and ending them. */
export class SessionAdminService {
  constructor(private readonly deps: SessionAdminDeps) {}

  async list(userId: string, active: boolean | undefined, { limit, after }: PageRequest<TimeKey>) {
    await this.existingUser(userId);
    const rows = await this.deps.sessionAdmin.listOfUser(userId, active, limit + 1, after);
    return page(rows, limit, keyOf);
  }

  /** Ends one session; 0 when it had already ended. */
  async revokeOne(userId: string, sessionId: string, actorId: string, context: RequestContext): Promise<number> {
    await this.existingUser(userId);
    return inTransaction(this.deps.db, async (tx) => {
      const revoked = (await this.deps.sessions.endSessions(tx, { userId, sessionIds: [sessionId] }, 'operator_revoked')).length > 0;
      if (!revoked && !(await this.deps.sessionAdmin.exists(userId, sessionId, tx))) {
        throw OperatorErrors.sessionNotFound('This user has no session with this id');
      }
      await this.deps.audit.record(
        {
          action: 'operator.session_revoked',
          actorUserId: actorId,
          targetUserId: userId,
          detail: { session_id: sessionId, was_active: revoked },
        },
        context,
        tx,
      );
      return revoked ? 1 : 0;
    });
  }

  async revokeAll(userId: string, actorId: string, context: RequestContext): Promise<number> {
    await this.existingUser(userId);
    return inTransaction(this.deps.db, async (tx) => {
      const ended = await this.deps.sessions.endSessions(tx, { userId }, 'operator_revoked');
      await this.deps.audit.record(
        { action: 'operator.sessions_revoked', actorUserId: actorId, targetUserId: userId, detail: { sessions_ended: ended.length } },
        context,
        tx,
      );
      return ended.length;
    });
  }

  private async existingUser(userId: string): Promise<void> {
    if (!(await this.deps.users.findById(userId))) throw AccountErrors.userNotFound('No user has this id');
  }
}
