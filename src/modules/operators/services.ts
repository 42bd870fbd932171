import type { Clock } from '../../clock.js';
import type { Db } from '../../db/client.js';
import type { AccountMail } from '../accounts/account-mail.js';
import type { AccountService } from '../accounts/account-service.js';
import type { Passwords } from '../accounts/passwords.js';
import type { SessionService } from '../accounts/session-service.js';
import type { UsersRepository } from '../accounts/users-repository.js';
import type { AuditLog } from '../audit/audit-log.js';
import { ErasureService } from './erasure-service.js';
import { OverviewRepository } from './overview-repository.js';
import { OverviewService } from './overview-service.js';
import { DeletedUserRetention } from './retention.js';
import { SessionAdminRepository } from './session-admin-repository.js';
import { SessionAdminService } from './session-admin-service.js';
import { UserAdminRepository } from './user-admin-repository.js';
import { UserAdminService } from './user-admin-service.js';
import type { EventSink } from '../webhooks/events.js';

export interface OperatorServiceDeps {
  db: Db;
  users: UsersRepository;
  sessions: Pick<SessionService, 'endSessions'>;
  accounts: AccountService;
  passwords: Passwords;
  audit: AuditLog;
  clock: Clock;
  deletedUserRetentionSeconds: number;
  onBackgroundError: (error: unknown) => void;
  events: EventSink;
  accountMail?: AccountMail;
}

export type OperatorServices = ReturnType<typeof createOperatorServices>;

/** The operator feature's repositories and services, built from the shared ones. */
export function createOperatorServices(deps: OperatorServiceDeps) {
  const { db, users, sessions, audit, events } = deps;
  const admin = new UserAdminRepository(db);
  const sessionAdmin = new SessionAdminRepository(db);
  return {
    userAdmin: new UserAdminService({
      db,
      users,
      admin,
      sessions,
      accounts: deps.accounts,
      passwords: deps.passwords,
      audit,
      events,
      ...(deps.accountMail ? { accountMail: deps.accountMail } : {}),
    }),
    erasure: new ErasureService({ db, admin, sessions, audit, events }),
    sessionAdmin: new SessionAdminService({ db, users, sessions, sessionAdmin, audit }),
    overview: new OverviewService({ overview: new OverviewRepository(db), clock: deps.clock }),
    retention: new DeletedUserRetention({
      db,
      admin,
      audit,
      events,
      clock: deps.clock,
      retentionSeconds: deps.deletedUserRetentionSeconds,
      onError: deps.onBackgroundError,
    }),
  };
}
