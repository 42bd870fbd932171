import { HttpErrors } from '../../http/errors.js';
import { AccountErrors } from './errors.js';
import type { StoredPassword } from './passwords.js';
import type { RegisterInput } from './schemas.js';

/** Turns an imported hash (`password_hash` + `hash_algorithm`) into what the users table stores, or throws a 400. */
export interface PasswordImporter {
  parse(input: {
    passwordHash: string;
    hashAlgorithm: string;
    salt?: string | undefined;
    saltPosition?: string | undefined;
  }): StoredPassword;
}

/** What a register body or import item brings as its password: an imported hash, parsed, or a plaintext to hash. */
export type PasswordInput = { kind: 'imported'; stored: StoredPassword } | { kind: 'plaintext'; password: string };

export interface PasswordInputRules {
  /**
   * Whether `password_hash` may be sent: the bootstrap key, an operator, and imports. An
   * imported hash chooses what each login to it costs, so app keys (which live in browsers) may not.
   */
  hashes: boolean;
  /** Whether a plaintext `password` may be sent: not in import files, where each would cost an argon2id hash. */
  plaintext: boolean;
  importer: PasswordImporter;
}

/**
 * The password rules of registration and import, in one place: `password` (at least 8
 * characters) or `password_hash` with `hash_algorithm` (and `salt`, `salt_position` for a
 * salted digest), never both; empty strings count as absent. Throws the AppError a register
 * request answers; an import reports the same error as the item's skip reason.
 */
export function readPasswordInput(
  input: Pick<RegisterInput, 'password' | 'password_hash' | 'hash_algorithm' | 'salt' | 'salt_position'>,
  rules: PasswordInputRules,
): PasswordInput {
  const passwordHash = input.password_hash || undefined;
  const hashAlgorithm = input.hash_algorithm || undefined;
  const imported = passwordHash !== undefined || hashAlgorithm !== undefined;
  if (imported && !rules.hashes) {
    throw AccountErrors.importNotAllowed(
      'password_hash is accepted with the bootstrap API key or from an operator (POST /operator/profile/register), not with an app key: send password',
    );
  }
  if (input.password && imported)
    throw AccountErrors.passwordRequired('Send either password, or password_hash with hash_algorithm; not both');
  if (imported) {
    if (!passwordHash || !hashAlgorithm)
      throw AccountErrors.passwordRequired('An imported password needs both password_hash and hash_algorithm');
    return {
      kind: 'imported',
      stored: rules.importer.parse({ passwordHash, hashAlgorithm, salt: input.salt, saltPosition: input.salt_position }),
    };
  }
  if (!rules.plaintext) throw AccountErrors.passwordRequired('Send password_hash with hash_algorithm');
  if (!input.password) {
    throw AccountErrors.passwordRequired(
      rules.hashes ? 'Send password, or password_hash with hash_algorithm' : 'Send password (8 to 256 characters)',
    );
  }
  if (input.salt || input.salt_position) {
    throw HttpErrors.validationFailed('salt and salt_position apply only to password_hash', [
      { path: '/salt', message: 'applies only to password_hash' },
    ]);
  }
  if (input.password.length < 8) {
    throw AccountErrors.weakPassword('password must be at least 8 characters', [
      { path: '/password', message: 'must be at least 8 characters' },
    ]);
  }
  return { kind: 'plaintext', password: input.password };
}
