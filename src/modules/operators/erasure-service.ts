import type { Db, Executor } from '../../db/client.js';
import type { UserRow } from '../../db/schema.js';
import { inTransaction } from '../../db/transaction.js';
import type { RequestContext } from '../../http/request-context.js';
import { AccountErrors } from '../accounts/errors.js';
import type { SessionService } from '../accounts/session-service.js';
import type { AuditLog } from '../audit/audit-log.js';
import { OperatorErrors } from './errors.js';
import type { EventSink } from '../webhooks/events.js';
import { toUser } from '../accounts/schemas.js';
import type { UserAdminRepository } from './user-admin-repository.js';

export interface ErasureDeps {
  db: Db;
  admin: UserAdminRepository;
  sessions: Pick<SessionService, 'endSessions'>;
  audit: AuditLog;
  events: EventSink;
}

/**
 * The end of a soft delete, either way: restore brings the account back as it was;
 * purge erases the user row, and with it (ON DELETE CASCADE) their profiles in every app,
 * sessions and TOTP data. Audit events stay: they name users by id only.
 */
export class ErasureService {
  constructor(private readonly deps: ErasureDeps) {}

  /**
   * Emails and usernames stay reserved while an account is soft-deleted (the unique
   * indexes cover deleted rows), so a restore never clashes with a newer account.
   */
  async restore(userId: string, actorId: string, context: RequestContext): Promise<UserRow> {
    return this.deps.db.transaction(async (tx) => {
      await this.deletedTarget(userId, tx);
      const user = await this.deps.admin.restore(userId, tx);
      if (!user) throw OperatorErrors.userNotDeleted('The user was restored meanwhile');
      await this.deps.audit.record(
        { action: 'operator.user_restored', actorUserId: actorId, targetUserId: userId, detail: { operator: user.operator } },
        context,
        tx,
      );
      await this.deps.events.emit(tx, { type: 'user.restored', data: { user_id: userId, user: toUser(user) } });
      return user;
    });
  }

  async purge(userId: string, actorId: string, context: RequestContext): Promise<{ profiles: number; sessions: number }> {
    return inTransaction(this.deps.db, async (tx) => {
      await this.deletedTarget(userId, tx);
      const erased = await this.deps.admin.dependents(userId, tx);
      // A soft delete already ended them; this catches any a crash left behind.
      await this.deps.sessions.endSessions(tx, { userId }, 'user_purged');
      if (!(await this.deps.admin.purge(userId, tx))) throw AccountErrors.userNotFound('The user was purged meanwhile');
      await this.deps.audit.record(
        {
          action: 'operator.user_purged',
          actorUserId: actorId,
          targetUserId: userId,
          detail: { profiles_deleted: erased.profiles, sessions_deleted: erased.sessions },
        },
        context,
        tx,
      );
      await this.deps.events.emit(tx, { type: 'user.purged', data: { user_id: userId } });
      return erased;
    });
  }

  private async deletedTarget(userId: string, tx: Executor): Promise<UserRow> {
    const user = await this.deps.admin.findByKeys({ id: userId }, tx, true);
    if (!user) throw AccountErrors.userNotFound('No user has this id');
    if (!user.deletedAt)
      throw OperatorErrors.userNotDeleted('The user is not deleted: soft-delete them first (GET /operator/users/delete/:email)');
    return user;
  }
}
