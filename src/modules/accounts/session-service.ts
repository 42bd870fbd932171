import type { Clock } from '../../clock.js';
import { randomSecret, sha256Hex } from '../../crypto/secrets.js';
import type { Db } from '../../db/client.js';
import type { UserRow } from '../../db/schema.js';
import { inTransaction, type Transaction } from '../../db/transaction.js';
import type { Principal } from '../../http/auth.js';
import { HttpErrors } from '../../http/errors.js';
import type { RequestContext } from '../../http/request-context.js';
import { LOGIN_FAILED, LOGIN_SUCCEEDED, type AuditLog } from '../audit/audit-log.js';
import type { AccountSnapshot } from './access-checks.js';
import type { ChangeAwareCache } from './change-aware-cache.js';
import { AccountErrors } from './errors.js';
import type { PasswordAttempts } from './password-attempts.js';
import type { RefreshSuccessors } from './refresh-successors.js';
import type { RevocationSync } from './revocations.js';
import type { SessionEndReason, SessionsRepository, SessionsToEnd } from './sessions-repository.js';
import type { AccessTokens, IssuedAccessToken } from './tokens.js';
import type { UsersRepository } from './users-repository.js';
import type { EventSink } from '../webhooks/events.js';

export interface IssuedSession {
  sessionId: string;
  access: IssuedAccessToken;
  refreshToken: string;
  user: AccountSnapshot;
}

/** A login that needs a second factor first; finished by POST /auth/verify-otp. */
export interface SecondFactor {
  begin(user: UserRow, context: RequestContext): Promise<{ otpToken: string }>;
}

export type LoginResult = { kind: 'session'; session: IssuedSession } | { kind: 'otp_required'; otpToken: string };

export interface LoginInput {
  email?: string | undefined;
  username?: string | undefined;
  password: string;
}

export interface SessionServiceDeps {
  db: Db;
  users: UsersRepository;
  /** The accounts token checks read (ChangeAwareCache): a refresh finds its user there. */
  accounts: Pick<ChangeAwareCache<AccountSnapshot>, 'get'>;
  successors: RefreshSuccessors;
  /** Seconds a retried refresh gets the same successor (SENTINEL_REFRESH_GRACE); 0 = never. */
  refreshGraceSeconds: number;
  sessions: SessionsRepository;
  passwordAttempts: PasswordAttempts;
  tokens: AccessTokens;
  revocations: RevocationSync;
  audit: AuditLog;
  refreshTokenTtlSeconds: number;
  clock: Clock;
  secondFactor?: SecondFactor;
  events: EventSink;
  /** SENTINEL_REQUIRE_VERIFIED_EMAIL: refuse logins (after the password check) until the address is verified. */
  requireVerifiedEmail?: boolean;
}

/** Logins and the life of a session: refresh rotation, reuse detection, logout, revocation. */
export class SessionService {
  constructor(private readonly deps: SessionServiceDeps) {}

  /** Counted before the password is checked (PasswordAttempts): a locked account answers 429 even to the right password. */
  async login(input: LoginInput, context: RequestContext, options: { operatorOnly?: boolean } = {}): Promise<LoginResult> {
    const { users, passwordAttempts, audit } = this.deps;
    const { user, canonical } = await users.resolveLogin(input);
    const check = user
      ? await passwordAttempts.check(user, input.password)
      : await passwordAttempts.checkUnknown({ field: input.email !== undefined ? 'email' : 'username', canonical }, input.password);
    if (!user || !check.valid) {
      await audit.record(
        { action: LOGIN_FAILED, targetUserId: user?.id ?? null, detail: { reason: user ? 'wrong_password' : 'unknown_user' } },
        context,
      );
      throw AccountErrors.invalidCredentials('The email, username or password is wrong');
    }
    if (check.upgradedHash) await users.upgradePasswordHash(user.id, user.passwordHash, check.upgradedHash);
    // Only after the password: otherwise the answer would tell which addresses are registered.
    // Operators are exempt: their accounts are made by operators or the CLI, who vouch for them.
    if (this.deps.requireVerifiedEmail && !user.emailVerified && !user.operator) {
      throw AccountErrors.emailNotVerified('Confirm your email address first: follow the link mailed to you, or reset your password');
    }
    // The console's sign-in (POST /operator/login): no session, and no second-factor challenge, for anyone else.
    if (options.operatorOnly && !user.operator) {
      await audit.record({ action: LOGIN_FAILED, targetUserId: user.id, detail: { reason: 'not_an_operator' } }, context);
      throw HttpErrors.forbidden('Only operators sign in to the console');
    }
    if (user.otpEnabled) {
      // Never fall back to a password-only login for an account that turned on a second factor.
      if (!this.deps.secondFactor) throw HttpErrors.unavailable('Two-factor login is not available on this server');
      const { otpToken } = await this.deps.secondFactor.begin(user, context);
      return { kind: 'otp_required', otpToken };
    }
    return { kind: 'session', session: await this.startSession(user, context) };
  }

  /**
   * Opens a session for a user whose credentials have been checked, and records its
   * `login.succeeded` event (detail: the session's id and `loginDetail`) in the same commit.
   */
  async startSession(user: UserRow, context: RequestContext, loginDetail: Record<string, unknown> = {}): Promise<IssuedSession> {
    const refreshToken = randomSecret();
    const values = {
      userId: user.id,
      appId: context.appId,
      refreshTokenHash: sha256Hex(refreshToken),
      refreshExpiresAt: this.refreshExpiry(),
      userAgent: context.userAgent,
      ip: context.ip,
    };
    const { sessions, events, audit } = this.deps;
    // The transaction is there only so that session.created commits with the session: a login
    // nobody subscribes to is one statement (WebhookSubscriptions says when that is sure).
    const row = !events.mayReceive('session.created')
      ? await sessions.insertWithLoginEvent(values, loginDetail)
      : await this.deps.db.transaction(async (tx) => {
          const inserted = await sessions.insert(values, tx);
          const detail = { ...loginDetail, session_id: inserted.id };
          await audit.record({ action: LOGIN_SUCCEEDED, actorUserId: user.id, targetUserId: user.id, detail }, context, tx);
          await events.emit(tx, { type: 'session.created', data: { session_id: inserted.id, user_id: user.id, app_id: inserted.appId } });
          return inserted;
        });
    const access = await this.deps.tokens.issue(user, row.id);
    return { sessionId: row.id, access, refreshToken, user };
  }

  /**
   * Trades a refresh token for its successor. A retry with the same token within the grace
   * window (a lost answer, two tabs, a 503 after the rotation committed) gets the same
   * successor and a new access token for the same session; a spent token presented after it
   * ends the whole session, since whoever holds the current one may be a thief.
   */
  async refresh(refreshToken: string, context: RequestContext): Promise<IssuedSession> {
    const { sessions, accounts, tokens } = this.deps;
    const oldHash = sha256Hex(refreshToken);
    const successor = this.deps.successors.of(refreshToken);
    const successorHash = sha256Hex(successor);
    const now = this.deps.clock();
    const session =
      (await sessions.rotateRefreshToken(oldHash, successorHash, this.refreshExpiry(), now)) ??
      (this.deps.refreshGraceSeconds > 0
        ? await sessions.findRotatedSince(successorHash, new Date(now.getTime() - this.deps.refreshGraceSeconds * 1000))
        : undefined);
    if (!session) {
      await this.endSessionOfSpentToken(oldHash, context);
      throw AccountErrors.invalidRefreshToken('The refresh token is unknown, spent, expired or disabled; log in again');
    }
    const user = await accounts.get(session.userId);
    if (!user || user.deletedAt) throw AccountErrors.invalidRefreshToken('The account no longer exists');
    return { sessionId: session.id, access: await tokens.issue(user, session.id), refreshToken: successor, user };
  }

  /** A spent token came back: whoever holds the current one may be a thief, so end it for both. */
  private async endSessionOfSpentToken(hash: string, context: RequestContext): Promise<void> {
    const { sessions, audit } = this.deps;
    const reusedSessionId = await sessions.findSessionOfSpentToken(hash);
    if (!reusedSessionId) return;
    await inTransaction(this.deps.db, async (tx) => {
      await this.endSessions(tx, { sessionIds: [reusedSessionId] }, 'refresh_token_reused');
      const owner = await sessions.findById(reusedSessionId, tx);
      await audit.record(
        { action: 'session.refresh_reused', targetUserId: owner?.userId ?? null, detail: { session_id: reusedSessionId } },
        context,
        tx,
      );
    });
  }

  async logout(principal: Principal, context: RequestContext): Promise<void> {
    await inTransaction(this.deps.db, async (tx) => {
      await this.endSessions(tx, { sessionIds: [principal.sessionId] }, 'logout');
      await this.deps.audit.record(
        {
          action: 'session.logged_out',
          actorUserId: principal.userId,
          targetUserId: principal.userId,
          detail: { session_id: principal.sessionId },
        },
        context,
        tx,
      );
    });
  }

  async disableRefresh(principal: Principal, context: RequestContext): Promise<void> {
    await this.deps.sessions.disableRefresh(principal.sessionId);
    await this.deps.audit.record(
      {
        action: 'session.refresh_disabled',
        actorUserId: principal.userId,
        targetUserId: principal.userId,
        detail: { session_id: principal.sessionId },
      },
      context,
    );
  }

  /**
   * Ends the live sessions `target` names, in `tx`; once it commits, this process and every
   * other one refuse their access tokens (and never, if it rolls back). Every path that ends
   * sessions comes through here. Returns the ids ended.
   */
  async endSessions(tx: Transaction, target: SessionsToEnd, reason: SessionEndReason): Promise<string[]> {
    const revoked = await this.deps.sessions.revoke(target, reason, tx);
    const ended = revoked.map((session) => session.id);
    if (ended.length > 0) tx.afterCommit(() => this.deps.revocations.publish(ended));
    for (const { id, userId } of revoked) {
      await this.deps.events.emit(tx, { type: 'session.revoked', data: { session_id: id, user_id: userId, reason } });
    }
    return ended;
  }

  private refreshExpiry(): Date {
    return new Date(this.deps.clock().getTime() + this.deps.refreshTokenTtlSeconds * 1000);
  }
}

export function storedPasswordOf(user: UserRow) {
  return {
    hash: user.passwordHash,
    algorithm: user.passwordAlgorithm,
    salt: user.passwordSalt,
    saltPosition: user.passwordSaltPosition,
    userId: user.id,
  };
}
