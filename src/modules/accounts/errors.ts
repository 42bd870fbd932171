import { defineErrors, retryLater, type AppError } from '../../http/errors.js';

export const AccountErrors = defineErrors({
  emailTaken: { status: 409, title: 'Email already registered' },
  usernameTaken: { status: 409, title: 'Username already taken' },
  /** One answer for "no such user" and "wrong password", so logins cannot probe for accounts. */
  invalidCredentials: { status: 401, title: 'Invalid credentials' },
  invalidRefreshToken: { status: 401, title: 'Invalid refresh token' },
  wrongPassword: { status: 403, title: 'Wrong password' },
  /** SENTINEL_REQUIRE_VERIFIED_EMAIL is on and the account has not confirmed its address. */
  emailNotVerified: { status: 403, title: 'Email address not verified' },
  userNotFound: { status: 404, title: 'User not found' },
  lastOperator: { status: 409, title: 'Last operator' },
  ambiguousLogin: { status: 400, title: 'Email or username required' },
  passwordRequired: { status: 400, title: 'A password is required' },
  weakPassword: { status: 400, title: 'Password too short' },
  /** An import (`password_hash`) with an app's key: app keys live in browsers, so anyone could import. */
  importNotAllowed: { status: 403, title: 'Importing a password hash needs the bootstrap key or an operator' },
  /** Too many wrong passwords for one account (or login name) in the lockout window, whoever sent them. */
  accountLocked: { status: 429, title: 'Too many failed logins', headers: ['Retry-After'] },
});

/** Unique indexes of the users table, and what a clash with each means to the client (src/constraint-errors.ts). */
export const accountConstraintErrors = {
  users_email_key: { unique: () => AccountErrors.emailTaken('Another account already uses this email') },
  users_username_key: { unique: () => AccountErrors.usernameTaken('Another account already uses this username') },
};

/** The lockout's answer, for AttemptLimiter. */
export function accountLocked(retryAfterSeconds: number): AppError {
  return retryLater(
    AccountErrors.accountLocked,
    retryAfterSeconds,
    `Too many wrong passwords for this account; retry in ${retryAfterSeconds} seconds`,
  );
}
