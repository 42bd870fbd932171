import QRCode from 'qrcode';
import type { Clock } from '../../clock.js';
import type { Db } from '../../db/client.js';
import type { UserRow } from '../../db/schema.js';
import { inTransaction, type Transaction } from '../../db/transaction.js';
import type { Principal } from '../../http/auth.js';
import type { RequestContext } from '../../http/request-context.js';
import { NO_ACCOUNT_MAIL, type AccountMail } from '../accounts/account-mail.js';
import { AccountErrors } from '../accounts/errors.js';
import type { PasswordAttempts } from '../accounts/password-attempts.js';
import type { SessionService } from '../accounts/session-service.js';
import type { UsersRepository } from '../accounts/users-repository.js';
import type { EventSink } from '../webhooks/events.js';
import { OTP_FAILED, type AuditLog } from '../audit/audit-log.js';
import type { ChallengesRepository } from './challenges-repository.js';
import {
  newRecoveryCode,
  newTotpSecret,
  normalizeRecoveryCode,
  otpauthUrl,
  RECOVERY_CODE_COUNT,
  recoveryCodeHash,
  stepOfCode,
} from './codes.js';
import { TotpErrors } from './errors.js';
import { secretContext, type SecondFactors } from './second-factors.js';
import type { SecretBox } from '../../crypto/secret-box.js';
import type { TotpRepository } from './totp-repository.js';

export interface TotpEnrollmentDeps {
  db: Db;
  users: UsersRepository;
  totp: TotpRepository;
  challenges: ChallengesRepository;
  factors: SecondFactors;
  secrets: SecretBox;
  passwordAttempts: PasswordAttempts;
  sessions: Pick<SessionService, 'endSessions'>;
  audit: AuditLog;
  clock: Clock;
  issuer: string;
  events: EventSink;
  /** Mails the owner a notice when TOTP is turned off. */
  accountMail?: AccountMail;
}

export interface Enrollment {
  secret: string;
  otpauthUrl: string;
  qrCode: string;
}

/** What proves the caller is the account holder before TOTP changes: a current code, a recovery code, or the password. */
export type Proof = { code: string; password?: undefined } | { password: string; code?: undefined };

export interface OperatorDisableResult {
  user: UserRow;
  /** False when TOTP was already off: nothing changed and no session ended. */
  disabled: boolean;
  sessionsEnded: number;
}

/** Turning TOTP on and off, and the recovery codes. Logging in with it is SecondFactorLoginService's. */
export class TotpEnrollmentService {
  constructor(private readonly deps: TotpEnrollmentDeps) {}

  /** Starts (or restarts) enrollment: a new pending secret that counts only once confirmed. */
  async enable(principal: Principal, context: RequestContext): Promise<Enrollment> {
    const user = await this.activeUser(principal.userId);
    if (user.otpEnabled) throw TotpErrors.otpAlreadyEnabled('Turn TOTP off first (POST /auth/disable-otp) to enroll a new authenticator');
    const secret = newTotpSecret();
    const saved = await this.deps.totp.savePending(user.id, this.deps.secrets.seal(secret, secretContext(user.id)));
    if (!saved) throw TotpErrors.otpAlreadyEnabled('TOTP is already on for this account');
    const url = otpauthUrl(secret, this.deps.issuer, user.email);
    const qrCode = await QRCode.toDataURL(url, { errorCorrectionLevel: 'M', margin: 2, width: 256 });
    await this.deps.audit.record({ action: 'otp.enrollment_started', actorUserId: user.id, targetUserId: user.id }, context);
    return { secret, otpauthUrl: url, qrCode };
  }

  /** Turns TOTP on with a first code from the app; returns the recovery codes, shown this once. */
  async confirm(principal: Principal, code: string, context: RequestContext): Promise<{ user: UserRow; recoveryCodes: string[] }> {
    const { db, users, totp, factors, audit } = this.deps;
    const user = await this.activeUser(principal.userId);
    if (user.otpEnabled) throw TotpErrors.otpAlreadyEnabled('TOTP is already on for this account');
    const pending = await totp.find(user.id);
    if (!pending || pending.confirmedAt)
      throw TotpErrors.otpNotPending('Call POST /auth/enable-otp first, then confirm with a code from the app');
    const step = stepOfCode(factors.openSecret(pending), code, this.deps.clock());
    if (step === undefined) {
      await audit.record({ action: 'otp.confirm_failed', actorUserId: user.id, targetUserId: user.id }, context);
      throw TotpErrors.wrongOtpCode(
        'The code does not match the secret from POST /auth/enable-otp; check the phone clock and try the next code',
      );
    }
    const recoveryCodes = newRecoveryCodes();
    const updated = await db.transaction(async (tx) => {
      if (!(await totp.confirm(user.id, pending.secretEncrypted, step, tx))) {
        throw TotpErrors.otpNotPending('The pending secret changed meanwhile (another enable-otp or confirm-otp); start again');
      }
      const row = await users.update(user.id, { otpEnabled: true }, tx);
      if (!row) throw AccountErrors.userNotFound('The account no longer exists');
      await totp.replaceRecoveryCodes(user.id, recoveryCodes.map(hashOf), tx);
      await audit.record({ action: 'otp.enabled', actorUserId: user.id, targetUserId: user.id }, context, tx);
      await this.deps.events.emit(tx, { type: 'otp.enabled', data: { user_id: user.id } });
      return row;
    });
    return { user: updated, recoveryCodes };
  }

  /** The account holder turns TOTP off, proving it with a code or the password. Sessions stay. */
  async disable(principal: Principal, proof: Proof, context: RequestContext): Promise<UserRow> {
    const user = await this.activeUser(principal.userId);
    if (!user.otpEnabled) throw TotpErrors.otpNotEnabled('TOTP is already off for this account');
    const method = await this.prove(user, proof, 'disable', context);
    return inTransaction(this.deps.db, (tx) => this.turnOff(user.id, { actorUserId: user.id, by: 'user', method }, context, tx));
  }

  /** New recovery codes replacing all the old ones (used or not); shown this once. */
  async regenerateRecoveryCodes(principal: Principal, proof: Proof, context: RequestContext): Promise<string[]> {
    const { db, totp, audit } = this.deps;
    const user = await this.activeUser(principal.userId);
    if (!user.otpEnabled) throw TotpErrors.otpNotEnabled('Turn TOTP on first: recovery codes come with it');
    const method = await this.prove(user, proof, 'recovery_codes', context);
    const recoveryCodes = newRecoveryCodes();
    await db.transaction(async (tx) => {
      await totp.replaceRecoveryCodes(user.id, recoveryCodes.map(hashOf), tx);
      await audit.record(
        { action: 'otp.recovery_codes_regenerated', actorUserId: user.id, targetUserId: user.id, detail: { method } },
        context,
        tx,
      );
    });
    return recoveryCodes;
  }

  /**
   * An operator turns a user's TOTP off (lost phone): the secret and recovery codes go, and
   * every session of the user ends. Idempotent: when TOTP is already off, nothing happens.
   */
  async disableForUser(userId: string, actorUserId: string, context: RequestContext): Promise<OperatorDisableResult> {
    const user = await this.activeUser(userId);
    if (!user.otpEnabled) return { user, disabled: false, sessionsEnded: 0 };
    return inTransaction(this.deps.db, async (tx) => {
      const updated = await this.turnOff(user.id, { actorUserId, by: 'operator' }, context, tx);
      const ended = await this.deps.sessions.endSessions(tx, { userId: user.id }, 'otp_reset_by_operator');
      return { user: updated, disabled: true, sessionsEnded: ended.length };
    });
  }

  private async turnOff(
    userId: string,
    how: { actorUserId: string; by: 'user' | 'operator'; method?: string },
    context: RequestContext,
    tx: Transaction,
  ): Promise<UserRow> {
    const { users, totp, challenges, audit } = this.deps;
    await totp.remove(userId, tx);
    await challenges.deleteOfUser(userId, tx);
    const row = await users.update(userId, { otpEnabled: false }, tx);
    if (!row) throw AccountErrors.userNotFound('The account no longer exists');
    const detail = { by: how.by, ...(how.method ? { method: how.method } : {}) };
    await audit.record({ action: 'otp.disabled', actorUserId: how.actorUserId, targetUserId: userId, detail }, context, tx);
    await this.deps.events.emit(tx, { type: 'otp.disabled', data: { user_id: userId, by: how.by } });
    await (this.deps.accountMail ?? NO_ACCOUNT_MAIL).otpDisabled(tx, row, context);
    return row;
  }

  /**
   * Checks the proof and returns how it was given. A password is one attempt on the account's
   * login lockout, a code one on the user's cap of wrong codes; failures are audited.
   */
  private async prove(user: UserRow, proof: Proof, during: string, context: RequestContext): Promise<string> {
    const { factors, passwordAttempts, audit } = this.deps;
    if (proof.password !== undefined) {
      if ((await passwordAttempts.check(user, proof.password)).valid) return 'password';
      await audit.record(
        { action: OTP_FAILED, actorUserId: user.id, targetUserId: user.id, detail: { during, method: 'password' } },
        context,
      );
      throw AccountErrors.wrongPassword('The password is wrong');
    }
    const check = await factors.attempt(user.id, () => factors.spend(user.id, proof.code));
    if (check.ok) return check.method;
    await audit.record(
      { action: OTP_FAILED, actorUserId: user.id, targetUserId: user.id, detail: { during, method: check.method, reason: check.reason } },
      context,
    );
    throw TotpErrors.wrongOtpCode('The code is wrong or already used');
  }

  private async activeUser(userId: string): Promise<UserRow> {
    const user = await this.deps.users.findActiveById(userId);
    if (!user) throw AccountErrors.userNotFound('No active account with this id');
    return user;
  }
}

function newRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
}

function hashOf(code: string): string {
  return recoveryCodeHash(normalizeRecoveryCode(code)!);
}
