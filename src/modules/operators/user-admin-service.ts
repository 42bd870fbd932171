import type { Db, Executor } from '../../db/client.js';
import type { UserRow } from '../../db/schema.js';
import { inTransaction } from '../../db/transaction.js';
import { HttpErrors } from '../../http/errors.js';
import { page, type PageRequest } from '../../http/pagination.js';
import type { RequestContext } from '../../http/request-context.js';
import { NO_ACCOUNT_MAIL, type AccountMail } from '../accounts/account-mail.js';
import type { AccountService } from '../accounts/account-service.js';
import { AccountErrors } from '../accounts/errors.js';
import { assertOperatorRemains } from '../accounts/last-operator.js';
import type { Passwords } from '../accounts/passwords.js';
import { toUser, toUserChanges, type RegisterInput } from '../accounts/schemas.js';
import type { SessionService } from '../accounts/session-service.js';
import type { UserChanges, UsersRepository } from '../accounts/users-repository.js';
import type { AuditLog } from '../audit/audit-log.js';
import { OperatorErrors } from './errors.js';
import type { EventSink } from '../webhooks/events.js';
import { keyOf, type TimeKey } from './keyset.js';
import type { OperatorUpdate, UserLookup } from './schemas.js';
import type { UserAdminRepository, UserFilter, UserKeys } from './user-admin-repository.js';

export interface UserAdminDeps {
  db: Db;
  users: UsersRepository;
  admin: UserAdminRepository;
  sessions: Pick<SessionService, 'endSessions'>;
  accounts: AccountService;
  passwords: Passwords;
  audit: AuditLog;
  events: EventSink;
  /** Notices to the user: a password reset, an email change. */
  accountMail?: AccountMail;
}

/**
 * What operators do to other users' accounts. Every change runs in one transaction with
 * its audit event; sessions it ends are revoked in that transaction and announced to every
 * process once it commits, so a token of the user is refused from then on.
 */
export class UserAdminService {
  constructor(private readonly deps: UserAdminDeps) {}

  private get mail(): AccountMail {
    return this.deps.accountMail ?? NO_ACCOUNT_MAIL;
  }

  async register(
    input: RegisterInput & { operator?: boolean | undefined; email_verified?: boolean | undefined },
    actorId: string,
    context: RequestContext,
  ): Promise<UserRow> {
    const { operator, email_verified: emailVerified, ...registration } = input;
    return this.deps.accounts.register(registration, context, {
      operator: operator ?? false,
      emailVerified: emailVerified ?? false,
      actorUserId: actorId,
      auditAction: 'operator.user_created',
      allowImport: true,
    });
  }

  /** The user matching every key sent; soft-deleted users included. */
  async find(lookup: UserLookup): Promise<UserRow> {
    const user = await this.deps.admin.findByKeys(keysOf(lookup));
    if (!user) throw AccountErrors.userNotFound('No user matches');
    return user;
  }

  async list(filter: UserFilter, { limit, after }: PageRequest<TimeKey>) {
    const rows = await this.deps.admin.list(filter, limit + 1, after);
    return page(rows, limit, keyOf);
  }

  async listDeleted({ limit, after }: PageRequest<TimeKey>) {
    const rows = await this.deps.admin.listDeleted(limit + 1, after);
    return page(rows, limit, keyOf);
  }

  async update(update: OperatorUpdate, actorId: string, context: RequestContext): Promise<UserRow> {
    const { user_id: id, operator, email_verified: emailVerified, ...fields } = update;
    const { users, audit } = this.deps;
    return inTransaction(this.deps.db, async (tx) => {
      // The operator set before the user's row, as every path taking both does, so two requests cannot deadlock.
      if (operator !== undefined) await users.lockOperatorSet(tx);
      const target = await this.activeTarget({ id }, tx);
      const grant = operator === true && !target.operator;
      const revoke = operator === false && target.operator;
      if (revoke) {
        await this.assertStillOperator(actorId, tx);
        await assertOperatorRemains(users, tx, id, 'removing your own operator role');
      }

      const changes: UserChanges = {
        ...toUserChanges(fields),
        ...(grant || revoke ? { operator } : {}),
        ...(emailVerified !== undefined ? { emailVerified } : {}),
      };
      const user = Object.keys(changes).length > 0 ? await users.update(id, changes, tx) : target;
      if (!user) throw OperatorErrors.userDeleted('The user was deleted meanwhile');
      // An operator's change applies at once; the address it leaves hears of it.
      if (user.email.toLowerCase() !== target.email.toLowerCase()) await this.mail.emailChanged(tx, target.email, user.email, context);

      const event = { actorUserId: actorId, targetUserId: id };
      const fieldNames = [...Object.keys(fields), ...(emailVerified !== undefined ? ['email_verified'] : [])];
      if (fieldNames.length > 0)
        await audit.record({ ...event, action: 'operator.user_updated', detail: { fields: fieldNames } }, context, tx);
      if (grant) await audit.record({ ...event, action: 'operator.role_granted' }, context, tx);
      if (revoke) {
        // The user's tokens still claim the role: end them, so /operator/* refuses them at once.
        const ended = await this.deps.sessions.endSessions(tx, { userId: id }, 'operator_role_removed');
        await audit.record({ ...event, action: 'operator.role_revoked', detail: { sessions_ended: ended.length } }, context, tx);
      }
      if (user !== target) await this.deps.events.emit(tx, { type: 'user.updated', data: { user_id: id, user: toUser(user) } });
      return user;
    });
  }

  async resetPassword(lookup: UserLookup, newPassword: string, actorId: string, context: RequestContext) {
    const keys = keysOf(lookup);
    // Hash before the transaction: argon2 takes tens of milliseconds and needs no lock.
    const hash = await this.deps.passwords.hash(newPassword);
    return inTransaction(this.deps.db, async (tx) => {
      const target = await this.activeTarget(keys, tx);
      await this.deps.users.setPassword(target.id, hash, tx);
      const ended = await this.deps.sessions.endSessions(tx, { userId: target.id }, 'password_reset');
      await this.mail.passwordChanged(tx, target, 'reset', context);
      await this.deps.audit.record(
        { action: 'operator.password_reset', actorUserId: actorId, targetUserId: target.id, detail: { sessions_ended: ended.length } },
        context,
        tx,
      );
      await this.deps.events.emit(tx, { type: 'password.changed', data: { user_id: target.id } });
      return { userId: target.id, sessionsEnded: ended.length };
    });
  }

  /** Soft delete: the account stops working, its sessions end, and it can be restored until purged. */
  async softDelete(email: string, actorId: string, context: RequestContext): Promise<string> {
    const { users } = this.deps;
    return inTransaction(this.deps.db, async (tx) => {
      await users.lockOperatorSet(tx); // before the row lock, as in update
      const target = await this.activeTarget({ email }, tx);
      if (target.operator) {
        await this.assertStillOperator(actorId, tx);
        await assertOperatorRemains(users, tx, target.id, 'deleting your account');
      }
      await users.softDelete(target.id, tx);
      const ended = await this.deps.sessions.endSessions(tx, { userId: target.id }, 'user_deleted');
      await this.deps.audit.record(
        { action: 'operator.user_deleted', actorUserId: actorId, targetUserId: target.id, detail: { sessions_ended: ended.length } },
        context,
        tx,
      );
      await this.deps.events.emit(tx, { type: 'user.deleted', data: { user_id: target.id } });
      return target.id;
    });
  }

  /** A user who exists and is not soft-deleted, locked for the rest of the transaction. */
  private async activeTarget(keys: UserKeys, tx: Executor): Promise<UserRow> {
    const target = await this.deps.admin.findByKeys(keys, tx, true);
    if (!target) throw AccountErrors.userNotFound('No user matches');
    if (target.deletedAt) throw OperatorErrors.userDeleted('The user is soft-deleted: restore them first (POST /operator/users/restore)');
    return target;
  }

  /** An operator demoted or deleted by another one meanwhile cannot go on taking the role from others. */
  private async assertStillOperator(actorId: string, tx: Executor): Promise<void> {
    const actor = await this.deps.users.findActiveById(actorId, tx);
    if (!actor?.operator) throw HttpErrors.forbidden('You are no longer an operator');
  }
}

/** The lookup keys sent, empty strings counting as absent; at least one is needed. */
export function keysOf(lookup: UserLookup): UserKeys {
  const keys: UserKeys = {
    ...(lookup.user_id ? { id: lookup.user_id } : {}),
    ...(lookup.email ? { email: lookup.email } : {}),
    ...(lookup.username ? { username: lookup.username } : {}),
  };
  if (Object.keys(keys).length === 0) {
    throw OperatorErrors.lookupRequired('Send user_id, email or username', [
      { path: '/user_id', message: 'is required (or email, or username)' },
    ]);
  }
  return keys;
}
