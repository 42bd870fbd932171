import argon2 from 'argon2';
import { randomBytes } from 'node:crypto';
import type { Argon2Params } from '../../config.js';

/** What the users table stores about a password. */
export interface StoredPassword {
  hash: string;
  algorithm: string;
  salt: string | null;
  saltPosition: string | null;
}

/**
 * A hash format Sentinel can check but does not write: the formats of imported user bases.
 * `verify` must compare in constant time.
 */
export interface ImportedHashVerifier {
  verify(password: string, stored: StoredPassword): Promise<boolean>;
}

export interface PasswordCheck {
  valid: boolean;
  /** A fresh argon2id hash to store, when the stored one is imported or has old parameters. */
  upgradedHash?: string;
}

export const ARGON2ID = 'argon2id';

/**
 * argon2id hashing. The argon2 package runs on libuv's thread pool, so hashing never
 * blocks the event loop.
 */
export class Passwords {
  private dummyHash: Promise<string> | undefined;

  constructor(
    private readonly params: Argon2Params,
    private readonly importedVerifiers: Readonly<Record<string, ImportedHashVerifier>> = {},
  ) {}

  hash(password: string): Promise<string> {
    return argon2.hash(password, {
      type: argon2.argon2id,
      memoryCost: this.params.memoryKib,
      timeCost: this.params.iterations,
      parallelism: this.params.parallelism,
    });
  }

  async check(password: string, stored: StoredPassword): Promise<PasswordCheck> {
    if (stored.algorithm === ARGON2ID) {
      const valid = await argon2.verify(stored.hash, password).catch(() => false);
      if (!valid) return { valid };
      return this.needsRehash(stored.hash) ? { valid, upgradedHash: await this.hash(password) } : { valid };
    }
    const verifier = this.importedVerifiers[stored.algorithm];
    if (!verifier || !(await verifier.verify(password, stored).catch(() => false))) return { valid: false };
    return { valid: true, upgradedHash: await this.hash(password) };
  }

  /**
   * Spends the time of a real check, for logins naming no known user: otherwise the quick
   * answer would tell an attacker which emails are registered.
   */
  async checkNobody(password: string): Promise<false> {
    this.dummyHash ??= this.hash(randomBytes(32).toString('base64'));
    await argon2.verify(await this.dummyHash, password).catch(() => false);
    return false;
  }

  private needsRehash(hash: string): boolean {
    try {
      return argon2.needsRehash(hash, {
        memoryCost: this.params.memoryKib,
        timeCost: this.params.iterations,
        parallelism: this.params.parallelism,
      });
    } catch {
      return false;
    }
  }
}
