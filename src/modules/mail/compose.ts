import type { Clock } from '../../clock.js';
import type { MailConfig } from '../../config.js';
import { SecretBox } from '../../crypto/secret-box.js';
import type { Db } from '../../db/client.js';
import { NO_ACCOUNT_MAIL, type AccountMail } from '../accounts/account-mail.js';
import type { Passwords } from '../accounts/passwords.js';
import type { SessionService } from '../accounts/session-service.js';
import type { UsersRepository } from '../accounts/users-repository.js';
import type { AppsRepository } from '../apps/apps-repository.js';
import type { AttemptCounters } from '../attempts/attempt-counters.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { EventSink } from '../webhooks/events.js';
import { AccountMailer } from './account-mailer.js';
import { EmailVerificationService } from './email-verification-service.js';
import { MailLinks } from './links.js';
import { MailWorker } from './mail-worker.js';
import { MailOutbox } from './outbox.js';
import { OutboxRepository } from './outbox-repository.js';
import { PasswordResetService } from './password-reset-service.js';
import { RecipientLimit } from './recipient-limit.js';
import { MailTokensRepository } from './tokens-repository.js';
import { smtpTransport, type MailTransport } from './transport.js';

export interface MailServicesDeps {
  db: Db;
  /** undefined: mail is off (SMTP_URL unset). */
  mail: MailConfig | undefined;
  publicUrl: string;
  users: UsersRepository;
  apps: Pick<AppsRepository, 'findById'>;
  passwords: Pick<Passwords, 'hash'>;
  sessions: Pick<SessionService, 'endSessions'>;
  attemptCounters: AttemptCounters;
  audit: AuditLog;
  clock: Clock;
  /** Webhook events of the changes a link makes (password reset, email confirmed). */
  events: EventSink;
  encryptionKey: ConstructorParameters<typeof SecretBox>[0];
  onBackgroundError: (error: unknown) => void;
  /** Tests hand in their own; SMTP from the configuration otherwise. */
  transport?: MailTransport;
}

export type MailServices = ReturnType<typeof createMailServices>;

/** The HKDF purpose of the key that seals queued mail. */
export const MAIL_OUTBOX_PURPOSE = 'mail-outbox';

/** Mail: the outbox and its worker, the links, and the flows built on them. */
export function createMailServices(deps: MailServicesDeps) {
  const { db, clock, audit, users } = deps;
  const repository = new OutboxRepository(db);
  const tokens = new MailTokensRepository(db);
  let worker: MailWorker | undefined;
  const outbox = new MailOutbox({
    repository,
    box: new SecretBox(deps.encryptionKey, MAIL_OUTBOX_PURPOSE),
    clock,
    wake: () => worker?.wake(),
  });
  if (deps.mail) {
    worker = new MailWorker({
      repository,
      outbox,
      transport: deps.transport ?? smtpTransport(deps.mail.smtpUrl, deps.mail.from, deps.mail.sendTimeoutMs),
      clock,
      config: deps.mail,
      onError: deps.onBackgroundError,
    });
  }
  const links = new MailLinks({ publicUrl: deps.publicUrl, apps: deps.apps, clock });
  const recipients = new RecipientLimit(deps.attemptCounters, clock);
  const mailer = new AccountMailer({ outbox, tokens, links, audit });
  const accountMail: AccountMail = deps.mail ? mailer : NO_ACCOUNT_MAIL;
  const configured = deps.mail !== undefined;
  return {
    configured,
    worker,
    outbox: repository,
    links,
    accountMail,
    passwordReset: new PasswordResetService({
      db,
      configured,
      users,
      passwords: deps.passwords,
      sessions: deps.sessions,
      accountMail,
      tokens,
      links,
      outbox,
      recipients,
      audit,
      clock,
      events: deps.events,
    }),
    emailVerification: new EmailVerificationService({
      db,
      configured,
      users,
      mailer,
      accountMail,
      tokens,
      links,
      recipients,
      audit,
      clock,
      events: deps.events,
    }),
  };
}
