import type { Config } from '../../../config.js';
import type { StoredPassword } from '../../accounts/passwords.js';
import type { PasswordImporter } from '../../accounts/password-input.js';
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

/** The highest work factor an imported hash may name, and the setting that raises it. */
export interface CostCap {
  max: number;
  setting: string;
}

/** Per format with a work factor (Hasher.cost). */
export type CostCaps = Readonly<Record<string, CostCap>>;

export function costCapsOf(config: Pick<Config, 'importBcryptMaxCost'>): CostCaps {
  return { bcrypt: { max: config.importBcryptMaxCost, setting: 'SENTINEL_IMPORT_BCRYPT_MAX_COST' } };
}

/** The cap a stored hash is over, if any. */
export function capExceeded(stored: StoredPassword, caps: CostCaps): (CostCap & { cost: number }) | undefined {
  const cost = HASHERS[stored.algorithm]?.cost?.(stored);
  const cap = caps[stored.algorithm];
  return cost !== undefined && cap !== undefined && cost > cap.max ? { ...cap, cost } : undefined;
}

export function hasherFor(algorithm: string): Hasher {
  const hasher = HASHERS[algorithm.toLowerCase()];
  if (!hasher) {
    throw ImportErrors.unknownHashAlgorithm(`hash_algorithm must be one of ${HASH_ALGORITHMS.join(', ')} (any case)`, [
      { path: '/hash_algorithm', message: 'is not a supported algorithm' },
    ]);
  }
  return hasher;
}

/**
 * Turns `password_hash` + `hash_algorithm` (+ salt) into what the users table stores, or
 * throws a 400. A work factor over its cap is refused: every login to the account would
 * spend it, and a bcrypt cost of 30 holds a thread for hours.
 */
export function passwordImporter(caps: CostCaps): PasswordImporter {
  return {
    parse({ passwordHash, hashAlgorithm, salt, saltPosition }): StoredPassword {
      const hasher = hasherFor(hashAlgorithm);
      if (saltPosition !== undefined && saltPosition !== 'prefix' && saltPosition !== 'suffix') {
        throw ImportErrors.invalidPasswordHash('salt_position must be prefix or suffix', [
          { path: '/salt_position', message: 'must be prefix or suffix' },
        ]);
      }
      // Empty strings count as absent, as they do for password_hash and hash_algorithm.
      const stored = hasher.parse({
        hash: passwordHash,
        salt: salt || undefined,
        saltPosition: (saltPosition || undefined) as SaltPosition | undefined,
      });
      const over = capExceeded(stored, caps);
      if (over) {
        throw ImportErrors.invalidPasswordHash(
          `This ${hasher.name} hash has cost ${over.cost}; Sentinel imports ${hasher.name} hashes of cost ${over.max} at most ` +
            `(${over.setting}), because every login to the account spends that cost`,
          [{ path: '/password_hash', message: `has a ${hasher.name} cost above ${over.max}` }],
        );
      }
      return stored;
    },
  };
}
