import type { Clock } from '../../clock.js';
import type { Db } from '../../db/client.js';
import { inTransaction } from '../../db/transaction.js';
import type { RequestContext } from '../../http/request-context.js';
import type { AccountMail } from '../accounts/account-mail.js';
import { readPasswordInput } from '../accounts/password-input.js';
import type { Passwords } from '../accounts/passwords.js';
import type { SessionService } from '../accounts/session-service.js';
import type { UsersRepository } from '../accounts/users-repository.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { EventSink } from '../webhooks/events.js';
import { MailErrors } from './errors.js';
import type { MailLinks } from './links.js';
import { Mails } from './messages.js';
import type { MailOutbox } from './outbox.js';
import type { RecipientLimit } from './recipient-limit.js';
import type { MailTokensRepository } from './tokens-repository.js';

export interface PasswordResetDeps {
  db: Db;
  configured: boolean;
  users: UsersRepository;
  passwords: Pick<Passwords, 'hash'>;
  sessions: Pick<SessionService, 'endSessions'>;
  accountMail: AccountMail;
  tokens: MailTokensRepository;
  links: MailLinks;
  outbox: MailOutbox;
  recipients: RecipientLimit;
  audit: AuditLog;
  clock: Clock;
  events: EventSink;
}

/** Where a spent link leads next: its redirect_to (checked when it was requested) and the app's name. */
export interface LinkOutcome {
  redirectTo: string | null;
  appId: number | null;
}

const RESET: ['password_reset'] = ['password_reset'];

/** The forgotten-password flow: a single-use link by mail (valid one hour), then a new password. */
export class PasswordResetService {
  constructor(private readonly deps: PasswordResetDeps) {}

  /**
   * Mails a reset link if an active account has `email`. Known and unknown addresses take the
   * same path (one statement that inserts only for a match, one audit row), so neither the
   * answer nor its timing tells which is which. An address past its share of mails this hour
   * gets none, silently: a 429 would let anyone block a user's reset.
   */
  async request(email: string, redirectTo: string | undefined, context: RequestContext): Promise<void> {
    const { links, tokens, outbox, audit, clock } = this.deps;
    this.assertConfigured();
    const target = await links.target(context.appId, redirectTo);
    const allowed = await this.deps.recipients.take('password_reset', email);
    const { token, tokenHash } = links.newToken();
    const mail = outbox.seal(Mails.passwordReset({ appName: target.appName }, links.url('reset-password', token)));
    await inTransaction(this.deps.db, async (tx) => {
      const token = { tokenHash, appId: context.appId, redirectTo: target.url, expiresAt: links.expiry('password_reset') };
      const userId = allowed ? await tokens.insertResetForAddress(email, token, { ...mail, now: clock() }, tx) : undefined;
      await audit.record(
        { action: 'password_reset.requested', targetUserId: userId ?? null, detail: { mailed: userId !== undefined, throttled: !allowed } },
        context,
        tx,
      );
      outbox.wakeAfter(tx);
    });
  }

  /** Whether `token` is a live reset link (the hosted page shows its form only then), and where it leads after. */
  async peek(token: string): Promise<LinkOutcome | undefined> {
    this.assertConfigured();
    const row = await this.deps.tokens.findLive(this.deps.links.hashOf(token), RESET, this.deps.clock());
    return row ? { redirectTo: row.redirectTo, appId: row.appId } : undefined;
  }

  /**
   * Spends the link and sets the password (the rules of registration), in one transaction:
   * of concurrent confirms exactly one succeeds. Every session ends, every other reset link of
   * the user is spent, and the address counts as verified (the link reached it).
   */
  async confirm(token: string, newPassword: string, context: RequestContext): Promise<LinkOutcome> {
    const { users, tokens, links, clock, audit } = this.deps;
    this.assertConfigured();
    const password = readPasswordInput({ password: newPassword }, { hashes: false, plaintext: true, importer: NO_IMPORTS });
    const tokenHash = links.hashOf(token);
    // No argon2 for links that cannot work; the transaction below decides for those that might.
    if (!(await tokens.findLive(tokenHash, RESET, clock()))) throw invalidLink();
    const hash = await this.deps.passwords.hash(password.kind === 'plaintext' ? password.password : '');
    return inTransaction(this.deps.db, async (tx) => {
      const row = await tokens.consume(tokenHash, RESET, clock(), tx);
      const user = row ? await users.findActiveById(row.userId, tx) : undefined;
      if (!row || !user) throw invalidLink();
      await users.setPassword(user.id, hash, tx);
      if (user.email.toLowerCase() === row.email.toLowerCase() && !user.emailVerified)
        await users.update(user.id, { emailVerified: true }, tx);
      await tokens.consumeAllOf(user.id, RESET, clock(), tx);
      const ended = await this.deps.sessions.endSessions(tx, { userId: user.id }, 'password_reset');
      await this.deps.accountMail.passwordChanged(tx, user, 'reset', { ...context, appId: row.appId });
      await this.deps.events.emit(tx, { type: 'password.changed', data: { user_id: user.id } });
      await audit.record(
        { action: 'password_reset.completed', actorUserId: user.id, targetUserId: user.id, detail: { sessions_ended: ended.length } },
        context,
        tx,
      );
      return { redirectTo: row.redirectTo, appId: row.appId };
    });
  }

  private assertConfigured(): void {
    if (!this.deps.configured) throw MailErrors.mailNotConfigured('Mail is off on this server (SMTP_URL is not set); ask an operator');
  }
}

export function invalidLink() {
  return MailErrors.invalidToken('The link is unknown, already used or expired; ask for a new one');
}

/** Reset passwords are always plaintext: hashes are never accepted here. */
const NO_IMPORTS = {
  parse: () => {
    throw new Error('unreachable: imports are refused before parsing');
  },
};
