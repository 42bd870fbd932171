import type { Db } from '../../db/client.js';
import type { UserRow } from '../../db/schema.js';
import { inTransaction } from '../../db/transaction.js';
import type { Principal } from '../../http/auth.js';
import type { RequestContext } from '../../http/request-context.js';
import type { AuditAction, AuditLog } from '../audit/audit-log.js';
import { AccountErrors } from './errors.js';
import type { EventSink } from '../webhooks/events.js';
import { assertOperatorRemains } from './last-operator.js';
import type { PasswordAttempts } from './password-attempts.js';
import { readPasswordInput, type PasswordImporter } from './password-input.js';
import type { Passwords, StoredPassword } from './passwords.js';
import { toUser, toUserChanges, type RegisterInput, type UserInfoUpdate } from './schemas.js';
import type { SessionService } from './session-service.js';
import type { UsersRepository } from './users-repository.js';

export interface AccountServiceDeps {
  db: Db;
  users: UsersRepository;
  passwords: Passwords;
  passwordAttempts: PasswordAttempts;
  sessions: Pick<SessionService, 'endSessions'>;
  audit: AuditLog;
  passwordImporter: PasswordImporter;
  events: EventSink;
}

export interface RegisterOptions {
  operator?: boolean;
  /** The operator creating the account; the new user themself when absent. */
  actorUserId?: string;
  /** The audit action to record instead of `user.registered` (an operator creating the account records `operator.user_created`). */
  auditAction?: AuditAction;
  /**
   * Whether `password_hash` may be sent: only callers holding the bootstrap key or an
   * operator's token. An imported hash chooses what each login to it costs.
   */
  allowImport?: boolean;
}

/** The user's own account: registration, profile fields, password, deletion. */
export class AccountService {
  constructor(private readonly deps: AccountServiceDeps) {}

  async register(input: RegisterInput, context: RequestContext, options: RegisterOptions = {}): Promise<UserRow> {
    const password = await this.passwordFor(input, options.allowImport ?? false);
    const { user_info: info } = input;
    const created = await this.deps.db.transaction(async (tx) => {
      const user = await this.deps.users.insert(
        {
          username: info.username,
          email: info.email,
          firstName: info.first_name ?? '',
          lastName: info.last_name ?? '',
          passwordHash: password.hash,
          passwordAlgorithm: password.algorithm,
          passwordSalt: password.salt,
          passwordSaltPosition: password.saltPosition,
          operator: options.operator ?? false,
        },
        tx,
      );
      await this.deps.audit.record(
        {
          action: options.auditAction ?? 'user.registered',
          actorUserId: options.actorUserId ?? user.id,
          targetUserId: user.id,
          detail: { imported: password.algorithm !== 'argon2id', operator: user.operator },
        },
        context,
        tx,
      );
      await this.deps.events.emit(tx, { type: 'user.created', data: { user_id: user.id, user: toUser(user) } });
      return user;
    });
    this.deps.passwords.noteStored(password);
    return created;
  }

  async currentUser(principal: Principal): Promise<UserRow> {
    const user = await this.deps.users.findActiveById(principal.userId);
    if (!user) throw AccountErrors.userNotFound('The account no longer exists');
    return user;
  }

  async updateInfo(principal: Principal, update: UserInfoUpdate, context: RequestContext): Promise<UserRow> {
    return this.deps.db.transaction(async (tx) => {
      const user = await this.deps.users.update(principal.userId, toUserChanges(update), tx);
      if (!user) throw AccountErrors.userNotFound('The account no longer exists');
      await this.deps.audit.record(
        { action: 'user.updated', actorUserId: user.id, targetUserId: user.id, detail: { fields: Object.keys(update) } },
        context,
        tx,
      );
      await this.deps.events.emit(tx, { type: 'user.updated', data: { user_id: user.id, user: toUser(user) } });
      return user;
    });
  }

  async changePassword(principal: Principal, oldPassword: string, newPassword: string, context: RequestContext): Promise<void> {
    const user = await this.currentUser(principal);
    // Counted like logins, on the same counter: a stolen access token gives no extra guesses.
    const check = await this.deps.passwordAttempts.check(user, oldPassword);
    if (!check.valid) {
      await this.deps.audit.record({ action: 'password.change_failed', actorUserId: user.id, targetUserId: user.id }, context);
      throw AccountErrors.wrongPassword('old_password is not the current password');
    }
    const hash = await this.deps.passwords.hash(newPassword);
    await inTransaction(this.deps.db, async (tx) => {
      await this.deps.users.setPassword(user.id, hash, tx);
      const ended = await this.deps.sessions.endSessions(tx, { userId: user.id, except: principal.sessionId }, 'password_changed');
      await this.deps.audit.record(
        { action: 'password.changed', actorUserId: user.id, targetUserId: user.id, detail: { sessions_ended: ended.length } },
        context,
        tx,
      );
      await this.deps.events.emit(tx, { type: 'password.changed', data: { user_id: user.id } });
    });
  }

  async deleteAccount(principal: Principal, context: RequestContext): Promise<void> {
    await inTransaction(this.deps.db, async (tx) => {
      const { users } = this.deps;
      if (principal.operator) await assertOperatorRemains(users, tx, principal.userId, 'deleting your account');
      const deleted = await users.softDelete(principal.userId, tx);
      if (!deleted) throw AccountErrors.userNotFound('The account no longer exists');
      await this.deps.audit.record({ action: 'user.deleted', actorUserId: principal.userId, targetUserId: principal.userId }, context, tx);
      await this.deps.events.emit(tx, { type: 'user.deleted', data: { user_id: principal.userId } });
      await this.deps.sessions.endSessions(tx, { userId: principal.userId }, 'user_deleted');
    });
  }

  private async passwordFor(input: RegisterInput, allowImport: boolean): Promise<StoredPassword> {
    const password = readPasswordInput(input, { hashes: allowImport, plaintext: true, importer: this.deps.passwordImporter });
    if (password.kind === 'imported') return password.stored;
    return { hash: await this.deps.passwords.hash(password.password), algorithm: 'argon2id', salt: null, saltPosition: null };
  }
}
