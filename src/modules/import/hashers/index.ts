import type { ImportedHashVerifier, StoredPassword } from '../../accounts/passwords.js';
import type { PasswordImporter } from '../../accounts/account-service.js';
import { ImportErrors } from '../errors.js';
import { bcryptHasher } from './bcrypt.js';
import { digestHashers } from './digests.js';
import type { Hasher, SaltPosition } from './hasher.js';
import { md5CryptHasher } from './md5-crypt.js';

export type { Hasher } from './hasher.js';

/** Every format Sentinel imports, by `hash_algorithm` name. */
export const HASHERS: Readonly<Record<string, Hasher>> = Object.fromEntries(
  [bcryptHasher, md5CryptHasher, ...digestHashers].map((hasher) => [hasher.name, hasher]),
);

export const HASH_ALGORITHMS = Object.keys(HASHERS);

export function hasherFor(algorithm: string): Hasher {
  const hasher = HASHERS[algorithm.toLowerCase()];
  if (!hasher) {
    throw ImportErrors.unknownHashAlgorithm(`hash_algorithm must be one of ${HASH_ALGORITHMS.join(', ')} (any case)`, [
      { path: '/hash_algorithm', message: 'is not a supported algorithm' },
    ]);
  }
  return hasher;
}

/** Turns `password_hash` + `hash_algorithm` (+ salt) into what the users table stores, or throws a 400. */
export const importedPasswords: PasswordImporter = {
  parse({ passwordHash, hashAlgorithm, salt, saltPosition }): StoredPassword {
    const hasher = hasherFor(hashAlgorithm);
    if (saltPosition !== undefined && saltPosition !== 'prefix' && saltPosition !== 'suffix') {
      throw ImportErrors.invalidPasswordHash('salt_position must be prefix or suffix', [
        { path: '/salt_position', message: 'must be prefix or suffix' },
      ]);
    }
    // Empty strings count as absent, as they do for password_hash and hash_algorithm.
    return hasher.parse({
      hash: passwordHash,
      salt: salt || undefined,
      saltPosition: (saltPosition || undefined) as SaltPosition | undefined,
    });
  },
};

/**
 * The verifiers for Passwords, spending `spend(password)` (an argon2id check) after a wrong
 * password. A plain digest fails in microseconds where an unknown user costs an argon2id
 * check: without this, the time of a failed login would tell which emails belong to
 * imported accounts. A right password already costs an argon2id hash (the upgrade).
 */
export function evenTimingVerifiers(spend: (password: string) => Promise<unknown>): Record<string, ImportedHashVerifier> {
  return Object.fromEntries(
    Object.entries(HASHERS).map(([name, hasher]) => [
      name,
      {
        async verify(password: string, stored: StoredPassword): Promise<boolean> {
          const valid = await hasher.verify(password, stored).catch(() => false);
          if (!valid) await spend(password);
          return valid;
        },
      },
    ]),
  );
}
