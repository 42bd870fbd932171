import type { ImportedHashVerifier, StoredPassword } from '../../accounts/passwords.js';

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
export interface Hasher extends ImportedHashVerifier {
  /** The `hash_algorithm` name, lowercase; also what users.password_algorithm stores. */
  readonly name: string;
  /** Returns what the users table stores, or throws ImportErrors.invalidPasswordHash. */
  parse(input: HashInput): StoredPassword;
  verify(password: string, stored: StoredPassword): Promise<boolean>;
}
