import type { Transaction } from '../../db/transaction.js';
import type { RequestContext } from '../../http/request-context.js';

/** The account a mail is about: where it goes, and whose it is. */
export interface MailRecipient {
  id: string;
  email: string;
}

/**
 * The mails account changes cause (src/modules/mail implements it). Each is queued inside the
 * transaction of its change, so it exists exactly when the change committed. Features that
 * change accounts (accounts, totp, operators) call these and know nothing of SMTP.
 */
export interface AccountMail {
  /** Mail is configured: a user's email change then waits for the new address to confirm. */
  readonly enabled: boolean;
  /** A verification link to a newly registered user. */
  registered(tx: Transaction, user: MailRecipient, context: RequestContext): Promise<void>;
  /** A confirmation link to `newEmail`; the account keeps its address until it is followed. */
  emailChangeRequested(tx: Transaction, user: MailRecipient, newEmail: string, context: RequestContext): Promise<void>;
  /** A notice that the password changed (`changed`: by its owner; `reset`: by a mailed link or an operator). */
  passwordChanged(tx: Transaction, user: MailRecipient, how: 'changed' | 'reset', context: RequestContext): Promise<void>;
  otpDisabled(tx: Transaction, user: MailRecipient, context: RequestContext): Promise<void>;
  /** A notice to the address the account no longer uses. */
  emailChanged(tx: Transaction, oldEmail: string, newEmail: string, context: RequestContext): Promise<void>;
}

/** Mail off: nothing is sent, and an email change applies at once. */
export const NO_ACCOUNT_MAIL: AccountMail = {
  enabled: false,
  registered: async () => {},
  emailChangeRequested: async () => {},
  passwordChanged: async () => {},
  otpDisabled: async () => {},
  emailChanged: async () => {},
};
