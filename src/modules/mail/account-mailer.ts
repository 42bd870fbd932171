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
    await this.mailLink(tx, { purpose: 'verify_email', user, to: user.email, redirectTo }, context);
  }

  async emailChangeRequested(tx: Transaction, user: MailRecipient, newEmail: string, context: RequestContext): Promise<void> {
    await this.mailLink(tx, { purpose: 'email_change', user, to: newEmail, redirectTo: null }, context);
  }

  /** Stores a new token's hash and queues the mail carrying its link to `to`, the address it proves. */
  private async mailLink(
    tx: Transaction,
    link: { purpose: 'verify_email' | 'email_change'; user: MailRecipient; to: string; redirectTo: string | null },
    context: RequestContext,
  ): Promise<void> {
    const { links, tokens, outbox, audit } = this.deps;
    const { purpose, user, to, redirectTo } = link;
    const { token, tokenHash } = links.newToken();
    const expiresAt = links.expiry(purpose);
    await tokens.insert({ tokenHash, purpose, userId: user.id, email: to, appId: context.appId, redirectTo, expiresAt }, tx);
    const brand = { appName: await links.appName(context.appId, tx) };
    const url = links.url('verify-email', token);
    await outbox.enqueue(tx, to, purpose === 'verify_email' ? Mails.verifyEmail(brand, url) : Mails.emailChange(brand, url));
    const action = purpose === 'verify_email' ? 'email.verification_sent' : 'email.change_requested';
    await audit.record({ action, actorUserId: user.id, targetUserId: user.id }, context, tx);
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
