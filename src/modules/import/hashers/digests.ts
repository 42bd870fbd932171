import { createHash, timingSafeEqual } from 'node:crypto';
import type { StoredPassword } from '../../accounts/passwords.js';
import { ImportErrors } from '../errors.js';
import type { Hasher, HashInput } from './hasher.js';

/** Plain digests: the algorithm name clients send, node:crypto's name for it, and its size. */
const DIGESTS = [
  { name: 'md5', nodeName: 'md5', bytes: 16 },
  { name: 'sha1', nodeName: 'sha1', bytes: 20 },
  { name: 'sha256', nodeName: 'sha256', bytes: 32 },
  { name: 'sha512', nodeName: 'sha512', bytes: 64 },
  // Python's hashlib.blake2b() default: a 64-byte digest.
  { name: 'blake2b', nodeName: 'blake2b512', bytes: 64 },
] as const;

const HEX = /^[0-9a-fA-F]+$/;
const BASE64 = /^(?:[A-Za-z0-9+/]+|[A-Za-z0-9_-]+)={0,2}$/;

/**
 * A digest of the password's UTF-8 bytes, optionally salted: hash(salt + password) for
 * `prefix` (the default when only `salt` is sent, as in Auth0's import), hash(password + salt)
 * for `suffix`. Hex (either case) or base64 (standard or URL-safe, padding optional) are
 * accepted and stored as lowercase hex.
 */
function digestHasher(name: string, nodeName: string, bytes: number): Hasher {
  const base64Length = Math.ceil(bytes / 3) * 4;
  return {
    name,

    parse({ hash, salt, saltPosition }: HashInput): StoredPassword {
      const digest = decodeDigest(hash, bytes);
      if (!digest) {
        throw ImportErrors.invalidPasswordHash(
          `A ${name} digest is ${bytes * 2} hex digits or ${base64Length} base64 characters; this one is ${hash.length} characters that are neither`,
          [{ path: '/password_hash', message: `is not a ${name} digest in hex or base64` }],
        );
      }
      if (saltPosition !== undefined && salt === undefined) {
        throw ImportErrors.invalidPasswordHash('salt_position needs a salt', [
          { path: '/salt', message: 'is required with salt_position' },
        ]);
      }
      return {
        hash: digest.toString('hex'),
        algorithm: name,
        salt: salt ?? null,
        saltPosition: salt === undefined ? null : (saltPosition ?? 'prefix'),
      };
    },

    async verify(password: string, stored: StoredPassword): Promise<boolean> {
      const salt = stored.salt ?? '';
      const salted = stored.saltPosition === 'suffix' ? password + salt : salt + password;
      const computed = createHash(nodeName).update(salted, 'utf8').digest();
      const expected = Buffer.from(stored.hash, 'hex');
      return computed.length === expected.length && timingSafeEqual(computed, expected);
    },
  };
}

function decodeDigest(text: string, bytes: number): Buffer | undefined {
  if (text.length === bytes * 2 && HEX.test(text)) return Buffer.from(text, 'hex');
  if (!BASE64.test(text)) return undefined;
  const standard = text.replace(/-/g, '+').replace(/_/g, '/').replace(/=+$/, '');
  const decoded = Buffer.from(standard, 'base64');
  // Node's decoder skips what it cannot read: accept only text that is exactly the encoding of `bytes` bytes.
  if (decoded.length !== bytes || decoded.toString('base64').replace(/=+$/, '') !== standard) return undefined;
  return decoded;
}

export const digestHashers: readonly Hasher[] = DIGESTS.map((d) => digestHasher(d.name, d.nodeName, d.bytes));
