import type { Clock } from '../../clock.js';
import type { Db } from '../../db/client.js';
import type { UserRow } from '../../db/schema.js';
import { inTransaction } from '../../db/transaction.js';
import type { Principal } from '../../http/auth.js';
import { HttpErrors } from '../../http/errors.js';
import type { RequestContext } from '../../http/request-context.js';
import type { AccountMail } from '../accounts/account-mail.js';
import { AccountErrors } from '../accounts/errors.js';
import { toUser } from '../accounts/schemas.js';
import type { UsersRepository } from '../accounts/users-repository.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { EventSink } from '../webhooks/events.js';
import type { AccountMailer } from './account-mailer.js';
import { MailErrors } from './errors.js';
import type { MailLinks } from './links.js';
import { invalidLink, type LinkOutcome } from './password-reset-service.js';
import { RECIPIENT_WINDOW_SECONDS, type RecipientLimit } from './recipient-limit.js';
import type { MailTokensRepository } from './tokens-repository.js';

export interface EmailVerificationDeps {
  db: Db;
  configured: boolean;
  users: UsersRepository;
  mailer: Pick<AccountMailer, 'sendVerification'>;
  accountMail: AccountMail;
  tokens: MailTokensRepository;
  links: MailLinks;
  recipients: RecipientLimit;
  audit: AuditLog;
  clock: Clock;
  events: EventSink;
}

/** Both kinds of link that prove an address: verifying the current one, and confirming a new one. */
const PROOFS: ['verify_email', 'email_change'] = ['verify_email', 'email_change'];

/** Proving that an address belongs to the user: links to the current address, and to a new one (email change). */
export class EmailVerificationService {
  constructor(private readonly deps: EmailVerificationDeps) {}

  /** Mails the caller a verification link (valid 24 hours). */
  async request(principal: Principal, redirectTo: string | undefined, context: RequestContext): Promise<void> {
    const { users, links } = this.deps;
    this.assertConfigured();
    const target = await links.target(context.appId, redirectTo);
    const user = await users.findActiveById(principal.userId);
    if (!user) throw AccountErrors.userNotFound('The account no longer exists');
    if (user.emailVerified) throw MailErrors.emailAlreadyVerified('This account’s email address is already verified');
    if (!(await this.deps.recipients.take('verify_email', user.email))) {
      throw HttpErrors.rateLimited('Too many mails to this address; try again later', undefined, {
        'Retry-After': String(RECIPIENT_WINDOW_SECONDS),
      });
    }
    await inTransaction(this.deps.db, (tx) => this.deps.mailer.sendVerification(tx, user, context, target.url));
  }

  async peek(token: string): Promise<(LinkOutcome & { purpose: string; email: string }) | undefined> {
    this.assertConfigured();
    const row = await this.deps.tokens.findLive(this.deps.links.hashOf(token), PROOFS, this.deps.clock());
    return row ? { redirectTo: row.redirectTo, appId: row.appId, purpose: row.purpose, email: row.email } : undefined;
  }

  /**
   * Spends the link. A verification link marks the address verified if the account still has
   * it; an email-change link makes its address the account's (verified), and the old address
   * gets a notice. Unknown, spent or expired links, and links to an address the account no
   * longer has, are 400 `invalid_token` and change nothing.
   */
  async confirm(token: string, context: RequestContext): Promise<LinkOutcome & { user: UserRow }> {
    const { users, tokens, links, clock, audit } = this.deps;
    this.assertConfigured();
    return inTransaction(this.deps.db, async (tx) => {
      const row = await tokens.consume(links.hashOf(token), PROOFS, clock(), tx);
      const user = row ? await users.findActiveById(row.userId, tx) : undefined;
      if (!row || !user) throw invalidLink();
      const event = { actorUserId: user.id, targetUserId: user.id };
      let updated: UserRow | undefined;
      if (row.purpose === 'verify_email') {
        if (user.email.toLowerCase() !== row.email.toLowerCase()) throw invalidLink();
        updated = await users.update(user.id, { emailVerified: true }, tx);
        await audit.record({ ...event, action: 'email.verified' }, context, tx);
      } else {
        updated = await users.update(user.id, { email: row.email, emailVerified: true }, tx);
        // A later change request supersedes this one's siblings: one address wins.
        await tokens.consumeAllOf(user.id, ['email_change'], clock(), tx);
        await this.deps.accountMail.emailChanged(tx, user.email, row.email, { ...context, appId: row.appId });
        await audit.record({ ...event, action: 'email.changed', detail: { by: 'link' } }, context, tx);
      }
      if (!updated) throw invalidLink();
      await this.deps.events.emit(tx, { type: 'user.updated', data: { user_id: updated.id, user: toUser(updated) } });
      return { user: updated, redirectTo: row.redirectTo, appId: row.appId };
    });
  }

  private assertConfigured(): void {
    if (!this.deps.configured) throw MailErrors.mailNotConfigured('Mail is off on this server (SMTP_URL is not set); ask an operator');
  }
}
