import bcrypt from 'bcrypt';
import { randomBytes } from 'node:crypto';
import type { StoredPassword } from '../../accounts/passwords.js';
import { ImportErrors } from '../errors.js';
import type { Hasher, HashInput } from './hasher.js';

/** $2a$, $2b$ (OpenBSD, most libraries) and $2y$ (PHP, htpasswd -B); cost 04 to 31; 22 salt + 31 hash characters. */
const BCRYPT = /^\$2[aby]\$(0[4-9]|[12]\d|3[01])\$[./A-Za-z0-9]{53}$/;

export const bcryptHasher: Hasher = {
  name: 'bcrypt',

  parse({ hash, salt, saltPosition }: HashInput): StoredPassword {
    if (salt !== undefined || saltPosition !== undefined) {
      throw ImportErrors.invalidPasswordHash('A bcrypt hash carries its own salt: send no salt or salt_position', [
        { path: '/salt', message: 'must be absent for bcrypt' },
      ]);
    }
    if (!BCRYPT.test(hash)) {
      throw ImportErrors.invalidPasswordHash(
        'A bcrypt hash is 60 characters: $2a$, $2b$ or $2y$, a two-digit cost from 04 to 31, $, then 53 characters of ./A-Za-z0-9',
        [{ path: '/password_hash', message: 'is not a bcrypt hash' }],
      );
    }
    return { hash, algorithm: 'bcrypt', salt: null, saltPosition: null };
  },

  /**
   * On libuv's thread pool, so a cost-12 hash does not stall the event loop; the library
   * compares in constant time. $2y$ and $2a$ are the same algorithm as $2b$ for the passwords
   * they accept, but the library only reads the $2b$ spelling.
   */
  verify(password: string, stored: StoredPassword): Promise<boolean> {
    return bcrypt.compare(password, `$2b$${stored.hash.slice(4)}`);
  },

  /** The two digits after `$2b$`: each one more doubles the work of a check. */
  cost(stored: StoredPassword): number {
    return Number(stored.hash.slice(4, 6));
  },

  onThreadPool: true,

  /**
   * Hashing costs what checking does. Each cost step doubles the work (measured here: 15 ms at
   * cost 8, 61 ms at 10, 239 ms at 12), so a cheap hash at cost 8 gives the time of any higher cost.
   */
  async measure(cost: number): Promise<number> {
    const probe = Math.min(cost, 8);
    const started = performance.now();
    await bcrypt.hash(randomBytes(16).toString('base64'), probe);
    return (performance.now() - started) * 2 ** (cost - probe);
  },
};
