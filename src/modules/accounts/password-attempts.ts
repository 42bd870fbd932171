import { sha256Hex } from '../../crypto/secrets.js';
import type { UserRow } from '../../db/schema.js';
import type { AttemptLimiter } from '../attempts/attempt-limiter.js';
import type { PasswordCheck, Passwords } from './passwords.js';
import { storedPasswordOf } from './session-service.js';

/** A login name that matched no account, as the users lookup compared it (see UsersRepository.resolveLogin). */
export interface UnknownLoginName {
  field: 'email' | 'username';
  canonical: string;
}

/**
 * Every check of an account's password (login, reset-password, TOTP proofs) is one attempt
 * on one per-account counter, so the routes cannot be combined for more guesses. Logins
 * naming no account count on the name, the same way, so a lockout tells nothing about
 * which accounts exist.
 */
export class PasswordAttempts {
  constructor(
    private readonly passwords: Passwords,
    private readonly limiter: AttemptLimiter,
  ) {}

  /** Checks `password` against the account's; 429 `account_locked`, before any check, once it has had too many wrong ones. */
  check(user: UserRow, password: string): Promise<PasswordCheck> {
    return this.limiter.attempt(`user:${user.id}`, () => this.passwords.check(password, storedPasswordOf(user)), isValid);
  }

  /** Counts and times a login naming no account like a wrong password for an existing one. */
  checkUnknown(name: UnknownLoginName, password: string): Promise<PasswordCheck> {
    const key = `name:${sha256Hex(`${name.field}:${name.canonical}`)}`;
    return this.limiter.attempt(key, async () => ({ valid: await this.passwords.checkNobody(password) }), isValid);
  }
}

const isValid = (check: PasswordCheck) => check.valid;
