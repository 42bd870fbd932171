import { createHmac } from 'node:crypto';
import type { Clock } from '../../clock.js';
import type { PasskeyConfig } from '../../config.js';
import type { Db } from '../../db/client.js';
import type { SessionService } from '../accounts/session-service.js';
import type { UsersRepository } from '../accounts/users-repository.js';
import type { AttemptLimiter } from '../attempts/attempt-limiter.js';
import type { AuditLog } from '../audit/audit-log.js';
import { PasskeyLoginService } from './login-service.js';
import { PasskeyService } from './passkey-service.js';
import { PasskeysRepository } from './passkeys-repository.js';
import { PasskeyRegistrationService } from './registration-service.js';
import { RelyingParty } from './relying-party.js';

export interface PasskeysDeps {
  db: Db;
  users: UsersRepository;
  sessions: Pick<SessionService, 'startSession'>;
  /** The per-account lockout of password logins. */
  lockout: AttemptLimiter;
  audit: AuditLog;
  clock: Clock;
  config: PasskeyConfig;
  publicUrl: string;
  rpName: string;
  /** The registered apps' domains. */
  appDomains: { allows(origin: string): Promise<boolean> };
  /** An instance secret; the key of the decoy credential ids is derived from it. */
  instanceSecret: string;
}

export interface PasskeysServices {
  registration: PasskeyRegistrationService;
  login: PasskeyLoginService;
  passkeys: PasskeyService;
}

export function createPasskeyServices(deps: PasskeysDeps): PasskeysServices {
  const { db, audit, clock } = deps;
  const repository = new PasskeysRepository(db);
  const relyingParty = new RelyingParty({
    rpId: deps.config.rpId,
    rpName: deps.rpName,
    publicUrl: deps.publicUrl,
    extraOrigins: deps.config.extraOrigins,
    appDomains: deps.appDomains,
  });
  return {
    registration: new PasskeyRegistrationService({ repository, relyingParty, audit, clock }),
    login: new PasskeyLoginService({
      repository,
      relyingParty,
      users: deps.users,
      sessions: deps.sessions,
      lockout: deps.lockout,
      audit,
      clock,
      decoyKey: createHmac('sha256', deps.instanceSecret).update('passkey-decoy-ids').digest(),
    }),
    passkeys: new PasskeyService({ db, repository, audit }),
  };
}
