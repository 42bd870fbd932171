import type { StoredPassword } from '../../accounts/passwords.js';

export type SaltPosition = 'prefix' | 'suffix';

/** An imported hash as the client sent it, before it is checked. */
export interface HashInput {
  hash: string;
  salt: string | undefined;
  saltPosition: SaltPosition | undefined;
}

/**
 * One imported hash format (Kratos's hash comparator shape): `parse` refuses what the format
 * cannot produce, before anything is stored; `verify` checks a password against what `parse`
 * returned, in constant time.
 */
export interface Hasher {
  /** The `hash_algorithm` name, lowercase; also what users.password_algorithm stores. */
  readonly name: string;
  /** Returns what the users table stores, or throws ImportErrors.invalidPasswordHash. */
  parse(input: HashInput): StoredPassword;
  verify(password: string, stored: StoredPassword): Promise<boolean>;
  /**
   * For formats whose hash names its own work factor (bcrypt): that factor. It is capped at
   * import, and a stored hash over the cap is never checked.
   */
  cost?(stored: StoredPassword): number;
  /** Checks run on libuv's thread pool, which argon2id shares: they wait their turn in a CheckQueue. */
  readonly onThreadPool?: boolean;
  /** Measures what a check at `cost` takes, in milliseconds, without spending that much. */
  measure?(cost: number): Promise<number>;
}
