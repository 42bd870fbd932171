import type { Clock } from '../../clock.js';
import type { Db } from '../../db/client.js';
import type { AccountMail } from '../accounts/account-mail.js';
import type { PasswordAttempts } from '../accounts/password-attempts.js';
import type { SessionService } from '../accounts/session-service.js';
import type { UsersRepository } from '../accounts/users-repository.js';
import type { AttemptCounters } from '../attempts/attempt-counters.js';
import { AttemptLimiter } from '../attempts/attempt-limiter.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { ChallengesRepository } from './challenges-repository.js';
import { SECOND_FACTOR_POLICY, SecondFactors } from './second-factors.js';
import { SecondFactorLoginService } from './second-factor-login-service.js';
import { SecretBox } from '../../crypto/secret-box.js';
import { TotpEnrollmentService } from './enrollment-service.js';
import { TotpRepository } from './totp-repository.js';
import type { EventSink } from '../webhooks/events.js';

export interface TotpServicesDeps {
  db: Db;
  users: UsersRepository;
  challenges: ChallengesRepository;
  passwordAttempts: PasswordAttempts;
  attemptCounters: AttemptCounters;
  sessions: SessionService;
  audit: AuditLog;
  clock: Clock;
  /** The instance's master secret (or key ring: see SecretBox); the TOTP key is derived from it. */
  encryptionKey: ConstructorParameters<typeof SecretBox>[0];
  issuer: string;
  events: EventSink;
  accountMail?: AccountMail;
}

/** The HKDF purpose of the key that seals TOTP secrets (the re-key command uses it too). */
export const TOTP_SECRET_PURPOSE = 'totp-secret';

/** The TOTP services, for the composition root (src/services.ts). */
export interface TotpServices {
  totp: TotpEnrollmentService;
  otpLogin: SecondFactorLoginService;
}

export function createTotpServices(deps: TotpServicesDeps): TotpServices {
  const { db, users, challenges, passwordAttempts, sessions, audit, clock } = deps;
  const repository = new TotpRepository(db);
  const secrets = new SecretBox(deps.encryptionKey, TOTP_SECRET_PURPOSE);
  const limiter = new AttemptLimiter(deps.attemptCounters, SECOND_FACTOR_POLICY, clock);
  const factors = new SecondFactors({ totp: repository, secrets, clock, limiter });
  return {
    totp: new TotpEnrollmentService({
      db,
      users,
      totp: repository,
      challenges,
      factors,
      secrets,
      passwordAttempts,
      sessions,
      audit,
      clock,
      issuer: deps.issuer,
      events: deps.events,
      ...(deps.accountMail ? { accountMail: deps.accountMail } : {}),
    }),
    otpLogin: new SecondFactorLoginService({ db, users, totp: repository, challenges, factors, sessions, audit, clock }),
  };
}
