import type { Clock } from '../../clock.js';
import { randomSecret, sha256Hex } from '../../crypto/secrets.js';
import type { UserRow } from '../../db/schema.js';
import type { RequestContext } from '../../http/request-context.js';
import type { SecondFactor } from '../accounts/session-service.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { ChallengesRepository } from './challenges-repository.js';

export const OTP_TOKEN_TTL_SECONDS = 5 * 60;
/** Codes one otp_token may try, right or wrong; after that it is spent. */
export const MAX_ATTEMPTS_PER_TOKEN = 5;

export interface OtpChallengesDeps {
  challenges: ChallengesRepository;
  audit: AuditLog;
  clock: Clock;
}

/**
 * Starts the second step of a login (the SecondFactor that /auth/login calls once the
 * password is right). The otp_token is random, stored only as a hash, bound to the user and
 * the app whose API key logged in, and accepted by POST /auth/verify-otp alone.
 */
export class OtpChallenges implements SecondFactor {
  constructor(private readonly deps: OtpChallengesDeps) {}

  async begin(user: UserRow, context: RequestContext): Promise<{ otpToken: string }> {
    const { challenges, audit, clock } = this.deps;
    const now = clock();
    await challenges.deleteStale(user.id, now);
    const otpToken = `otp_${randomSecret()}`;
    await challenges.insert({
      tokenHash: sha256Hex(otpToken),
      userId: user.id,
      appId: context.appId,
      expiresAt: new Date(now.getTime() + OTP_TOKEN_TTL_SECONDS * 1000),
      userAgent: context.userAgent,
      ip: context.ip,
    });
    await audit.record({ action: 'login.otp_required', actorUserId: user.id, targetUserId: user.id }, context);
    return { otpToken };
  }
}
