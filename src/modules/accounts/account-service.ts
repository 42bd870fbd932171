import type { Db } from '../../db/client.js';
import type { UserRow } from '../../db/schema.js';
import { inTransaction, type Transaction } from '../../db/transaction.js';
import type { Principal } from '../../http/auth.js';
import type { RequestContext } from '../../http/request-context.js';
import type { AuditAction, AuditLog } from '../audit/audit-log.js';
import { NO_ACCOUNT_MAIL, type AccountMail } from './account-mail.js';
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
  /** The mails account changes cause; none when mail is off. */
  mail?: AccountMail;
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
  /** An operator vouches for the address: stored as verified, and no verification mail is sent. */
  emailVerified?: boolean;
}

/** The user's own account: registration, profile fields, password, deletion. */
export class AccountService {
  constructor(private readonly deps: AccountServiceDeps) {}

  async register(input: RegisterInput, context: RequestContext, options: RegisterOptions = {}): Promise<UserRow> {
    const password = await this.passwordFor(input, options.allowImport ?? false);
    const { user_info: info } = input;
    const created = await inTransaction(this.deps.db, async (tx) => {
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
          emailVerified: options.emailVerified ?? false,
        },
        tx,
      );
      if (!user.emailVerified) await this.mail.registered(tx, user, context);
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

  /**
   * With mail on, a new email address waits for the link mailed to it (EmailVerificationService
   * applies it); the other fields change at once. Without mail the address changes at once, unverified.
   */
  async updateInfo(principal: Principal, update: UserInfoUpdate, context: RequestContext): Promise<UserRow> {
    return inTransaction(this.deps.db, async (tx) => {
      const { users } = this.deps;
      const current = await users.findActiveById(principal.userId, tx);
      if (!current) throw AccountErrors.userNotFound('The account no longer exists');
      const { email: newEmail, ...rest } = update;
      const deferEmail = this.mail.enabled && newEmail !== undefined && newEmail.toLowerCase() !== current.email.toLowerCase();
      if (deferEmail) await this.requestEmailChange(tx, current, newEmail, context);
      const changes = toUserChanges(deferEmail ? rest : update);
      const user = Object.keys(changes).length > 0 ? await users.update(principal.userId, changes, tx) : current;
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
      await this.mail.passwordChanged(tx, user, 'changed', context);
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

  /** A taken address is refused now (409), as an immediate change would be, rather than when the link is followed. */
  private async requestEmailChange(tx: Transaction, user: UserRow, newEmail: string, context: RequestContext): Promise<void> {
    const holder = await this.deps.users.activeEmailHolder(newEmail, tx);
    if (holder && holder.id !== user.id) throw AccountErrors.emailTaken('Another account already uses this email');
    await this.mail.emailChangeRequested(tx, user, newEmail, context);
  }

  private get mail(): AccountMail {
    return this.deps.mail ?? NO_ACCOUNT_MAIL;
  }

  private async passwordFor(input: RegisterInput, allowImport: boolean): Promise<StoredPassword> {
    const password = readPasswordInput(input, { hashes: allowImport, plaintext: true, importer: this.deps.passwordImporter });
    if (password.kind === 'imported') return password.stored;
    return { hash: await this.deps.passwords.hash(password.password), algorithm: 'argon2id', salt: null, saltPosition: null };
  }
}
