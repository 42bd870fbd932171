import type { Transaction } from '../../db/transaction.js';
import type { RequestContext } from '../../http/request-context.js';
import type { AccountMail, MailRecipient } from '../accounts/account-mail.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { MailLinks } from './links.js';
import { Mails } from './messages.js';
import type { MailOutbox } from './outbox.js';
import type { MailTokensRepository } from './tokens-repository.js';

export interface AccountMailerDeps {
  outbox: MailOutbox;
  tokens: MailTokensRepository;
  links: MailLinks;
  audit: AuditLog;
}

/** The mails account changes cause, queued in the change's own transaction (see AccountMail). */
export class AccountMailer implements AccountMail {
  readonly enabled = true;

  constructor(private readonly deps: AccountMailerDeps) {}

  async registered(tx: Transaction, user: MailRecipient, context: RequestContext): Promise<void> {
    await this.sendVerification(tx, user, context, null);
  }

  /** A link proving `user.email`; `redirectTo` already checked against the app's domains. */
  async sendVerification(tx: Transaction, user: MailRecipient, context: RequestContext, redirectTo: string | null): Promise<void> {
    const { links, tokens, outbox, audit } = this.deps;
    const { token, tokenHash } = links.newToken();
    await tokens.insert(
      {
        tokenHash,
        purpose: 'verify_email',
        userId: user.id,
        email: user.email,
        appId: context.appId,
        redirectTo,
        expiresAt: links.expiry('verify_email'),
      },
      tx,
    );
    const brand = { appName: await links.appName(context.appId, tx) };
    await outbox.enqueue(tx, user.email, Mails.verifyEmail(brand, links.url('verify-email', token)));
    await audit.record({ action: 'email.verification_sent', actorUserId: user.id, targetUserId: user.id }, context, tx);
  }

  async emailChangeRequested(tx: Transaction, user: MailRecipient, newEmail: string, context: RequestContext): Promise<void> {
    const { links, tokens, outbox, audit } = this.deps;
    const { token, tokenHash } = links.newToken();
    await tokens.insert(
      {
        tokenHash,
        purpose: 'email_change',
        userId: user.id,
        email: newEmail,
        appId: context.appId,
        redirectTo: null,
        expiresAt: links.expiry('email_change'),
      },
      tx,
    );
    const brand = { appName: await links.appName(context.appId, tx) };
    await outbox.enqueue(tx, newEmail, Mails.emailChange(brand, links.url('verify-email', token)));
    await audit.record({ action: 'email.change_requested', actorUserId: user.id, targetUserId: user.id }, context, tx);
  }

  async passwordChanged(tx: Transaction, user: MailRecipient, how: 'changed' | 'reset', context: RequestContext): Promise<void> {
    const brand = { appName: await this.deps.links.appName(context.appId, tx) };
    await this.deps.outbox.enqueue(tx, user.email, how === 'changed' ? Mails.passwordChanged(brand) : Mails.passwordWasReset(brand));
  }

  async otpDisabled(tx: Transaction, user: MailRecipient, context: RequestContext): Promise<void> {
    const brand = { appName: await this.deps.links.appName(context.appId, tx) };
    await this.deps.outbox.enqueue(tx, user.email, Mails.otpDisabled(brand));
  }

  async emailChanged(tx: Transaction, oldEmail: string, newEmail: string, context: RequestContext): Promise<void> {
    const brand = { appName: await this.deps.links.appName(context.appId, tx) };
    await this.deps.outbox.enqueue(tx, oldEmail, Mails.emailChanged(brand, newEmail));
  }
}
