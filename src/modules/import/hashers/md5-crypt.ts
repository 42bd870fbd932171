import apacheMd5Module from 'apache-md5';
import { timingSafeEqual } from 'node:crypto';
import type { StoredPassword } from '../../accounts/passwords.js';
import { ImportErrors } from '../errors.js';
import type { Hasher, HashInput } from './hasher.js';

// apache-md5 is CommonJS exporting one function; its typings describe it as a default export.
const apacheMd5 = ((apacheMd5Module as unknown as { default?: unknown }).default ?? apacheMd5Module) as (
  password: string,
  salt: string,
) => string;

/** `$1$`, a salt of up to 8 characters (no `$`), `$`, 22 characters of crypt's base64: openssl passwd -1. */
const MD5_CRYPT = /^\$1\$[\x21-\x23\x25-\x7e]{0,8}\$[./0-9A-Za-z]{22}$/;

export const md5CryptHasher: Hasher = {
  name: 'md5-crypt',

  parse({ hash, salt, saltPosition }: HashInput): StoredPassword {
    if (salt !== undefined || saltPosition !== undefined) {
      throw ImportErrors.invalidPasswordHash('An md5-crypt hash carries its own salt ($1$salt$...): send no salt or salt_position', [
        { path: '/salt', message: 'must be absent for md5-crypt' },
      ]);
    }
    if (!MD5_CRYPT.test(hash)) {
      throw ImportErrors.invalidPasswordHash(
        'An md5-crypt hash looks like $1$salt$ followed by 22 characters of ./0-9A-Za-z (the output of openssl passwd -1)',
        [{ path: '/password_hash', message: 'is not an md5-crypt hash' }],
      );
    }
    return { hash, algorithm: 'md5-crypt', salt: null, saltPosition: null };
  },

  async verify(password: string, stored: StoredPassword): Promise<boolean> {
    // The library hashes each UTF-16 unit as one byte; crypt(3) and openssl hash the UTF-8
    // bytes. Handing it the UTF-8 bytes as a latin1 string makes the two agree.
    const computed = Buffer.from(apacheMd5(Buffer.from(password, 'utf8').toString('latin1'), stored.hash), 'latin1');
    const expected = Buffer.from(stored.hash, 'latin1');
    return computed.length === expected.length && timingSafeEqual(computed, expected);
  },
};
