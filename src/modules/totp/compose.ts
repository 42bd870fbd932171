import type { Clock } from '../../clock.js';
import type { Db } from '../../db/client.js';
import type { Passwords } from '../accounts/passwords.js';
import type { SessionService } from '../accounts/session-service.js';
import type { UsersRepository } from '../accounts/users-repository.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { ChallengesRepository } from './challenges-repository.js';
import { SecondFactors } from './factors.js';
import { OtpLoginService } from './login-service.js';
import { SecretBox } from './secret-box.js';
import { TotpService } from './service.js';
import { TotpRepository } from './totp-repository.js';

export interface TotpServicesDeps {
  db: Db;
  users: UsersRepository;
  challenges: ChallengesRepository;
  passwords: Passwords;
  sessions: SessionService;
  audit: AuditLog;
  clock: Clock;
  /** The instance's master secret; the TOTP key is derived from it. */
  encryptionKey: string;
  issuer: string;
}

/** The TOTP services, for the composition root (src/services.ts). */
export function createTotpServices(deps: TotpServicesDeps): { totp: TotpService; otpLogin: OtpLoginService } {
  const { db, users, challenges, passwords, sessions, audit, clock } = deps;
  const repository = new TotpRepository(db);
  const secrets = new SecretBox(deps.encryptionKey, 'totp-secret');
  const factors = new SecondFactors({ totp: repository, secrets, clock });
  return {
    totp: new TotpService({
      db,
      users,
      totp: repository,
      challenges,
      factors,
      secrets,
      passwords,
      sessions,
      audit,
      clock,
      issuer: deps.issuer,
    }),
    otpLogin: new OtpLoginService({ db, users, totp: repository, challenges, factors, sessions, audit, clock }),
  };
}
