import type { Clock } from '../../clock.js';
import { sha256Hex } from '../../crypto/secrets.js';
import type { Db } from '../../db/client.js';
import { HttpErrors } from '../../http/errors.js';
import type { RequestContext } from '../../http/request-context.js';
import type { IssuedSession, SessionService } from '../accounts/session-service.js';
import type { UsersRepository } from '../accounts/users-repository.js';
import { OTP_FAILED, type AuditLog } from '../audit/audit-log.js';
import type { ChallengesRepository } from './challenges-repository.js';
import { MAX_ATTEMPTS_PER_TOKEN } from './login-challenges.js';
import { TotpErrors } from './errors.js';
import type { FactorCheck, SecondFactors } from './second-factors.js';
import type { TotpRepository } from './totp-repository.js';

export interface SecondFactorLoginDeps {
  db: Db;
  users: UsersRepository;
  totp: TotpRepository;
  challenges: ChallengesRepository;
  factors: SecondFactors;
  sessions: Pick<SessionService, 'startSession'>;
  audit: AuditLog;
  clock: Clock;
}

/** POST /auth/verify-otp: finishes a login that /auth/login left at `otp_required`. */
export class SecondFactorLoginService {
  constructor(private readonly deps: SecondFactorLoginDeps) {}

  async verify(otpToken: string, code: string, context: RequestContext, options: { operatorOnly?: boolean } = {}): Promise<IssuedSession> {
    const { db, users, challenges, factors, audit, clock } = this.deps;
    const now = clock();
    // Counted before the code is looked at: a burst of guesses cannot get past the cap.
    const attempt = await challenges.reserveAttempt(sha256Hex(otpToken), context.appId, now, MAX_ATTEMPTS_PER_TOKEN);
    if (!attempt) throw TotpErrors.invalidOtpToken('The otp_token is unknown, expired, already used or spent; log in again');
    const user = await users.findActiveById(attempt.userId);
    if (!user?.otpEnabled) throw TotpErrors.invalidOtpToken('The otp_token is no longer valid; log in again');
    // A token from POST /auth/login (bootstrap key) does not open a console session for a non-operator.
    if (options.operatorOnly && !user.operator) throw HttpErrors.forbidden('Only operators sign in to the console');

    // The factor is spent and the token consumed together: a code is not burnt by a request that loses the token.
    const check = await factors.attempt(user.id, () =>
      db.transaction(async (tx): Promise<FactorCheck> => {
        const result = await factors.spend(user.id, code, tx);
        if (result.ok && !(await challenges.consume(attempt.id, now, tx))) {
          throw TotpErrors.invalidOtpToken('The otp_token has just been used; log in again');
        }
        return result;
      }),
    );

    if (!check.ok) {
      const attemptsLeft = MAX_ATTEMPTS_PER_TOKEN - attempt.attempts;
      await audit.record(
        {
          action: OTP_FAILED,
          targetUserId: user.id,
          detail: { during: 'login', method: check.method, reason: check.reason, attempts_left: attemptsLeft },
        },
        context,
      );
      throw TotpErrors.invalidOtpCode(
        attemptsLeft > 0
          ? `The code is wrong or already used; ${attemptsLeft} more ${attemptsLeft === 1 ? 'try' : 'tries'} with this otp_token`
          : 'The code is wrong or already used, and this otp_token is now spent; log in again',
      );
    }

    const session = await this.deps.sessions.startSession(user, context, { second_factor: check.method });
    if (check.method === 'recovery_code') {
      const remaining = await this.deps.totp.countUnusedRecoveryCodes(user.id);
      await audit.record({ action: 'otp.recovery_code_used', actorUserId: user.id, targetUserId: user.id, detail: { remaining } }, context);
    }
    return session;
  }
}
