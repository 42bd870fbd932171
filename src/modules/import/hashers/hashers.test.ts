import { describe, expect, it } from 'vitest';
import { AppError } from '../../../http/errors.js';
import { loadConfig } from '../../../config.js';
import { costCapsOf, HASHERS, passwordImporter } from './index.js';
import { hashFixtures as fixtures, type HashFixture as Fixture } from '../../../../test/helpers/hash-fixtures.js';

const importedPasswords = passwordImporter(costCapsOf(loadConfig({})));
const parse = (fixture: Pick<Fixture, 'algorithm' | 'password_hash' | 'salt' | 'salt_position'>) =>
  importedPasswords.parse({
    passwordHash: fixture.password_hash,
    hashAlgorithm: fixture.algorithm,
    salt: fixture.salt,
    saltPosition: fixture.salt_position,
  });

const verify = async (fixture: Fixture, password: string) => {
  const stored = parse(fixture);
  return HASHERS[stored.algorithm]!.verify(password, stored);
};

function codeOf(action: () => unknown): string | undefined {
  try {
    action();
    return undefined;
  } catch (error) {
    if (error instanceof AppError) return error.code;
    throw error;
  }
}

describe('imported hash verification', () => {
  it('has fixtures from the standard tools for every algorithm', () => {
    expect(new Set(fixtures.map((f) => f.algorithm))).toEqual(new Set(Object.keys(HASHERS)));
    expect(new Set(fixtures.filter((f) => f.algorithm === 'bcrypt').map((f) => f.password_hash.slice(0, 4)))).toEqual(
      new Set(['$2a$', '$2b$', '$2y$']),
    );
  });

  it.each(fixtures.map((f) => [`${f.algorithm} from \`${f.tool}\` (${f.password})`, f] as const))(
    'verifies %s with the right password and refuses a wrong one',
    async (_name, fixture) => {
      expect(await verify(fixture, fixture.password)).toBe(true);
      expect(await verify(fixture, `${fixture.password}x`)).toBe(false);
      expect(await verify(fixture, fixture.password.toUpperCase())).toBe(false);
      expect(await verify(fixture, '')).toBe(false);
    },
  );

  it('refuses a salted digest checked without its salt, or with the salt on the wrong side', async () => {
    const salted = fixtures.find((f) => f.algorithm === 'sha256' && f.salt_position === 'prefix')!;
    expect(await verify(salted, salted.password)).toBe(true);
    expect(await verify({ ...salted, salt_position: 'suffix' }, salted.password)).toBe(false);
    expect(await verify({ ...salted, salt: undefined, salt_position: undefined }, salted.password)).toBe(false);
  });

  it('treats a salt without salt_position as a prefix, as Auth0 does', async () => {
    const salted = fixtures.find((f) => f.algorithm === 'md5' && f.salt_position === 'prefix')!;
    const stored = parse({ ...salted, salt_position: undefined });
    expect(stored.saltPosition).toBe('prefix');
    expect(await HASHERS.md5!.verify(salted.password, stored)).toBe(true);
  });

  it('accepts algorithm names in any case and stores them lowercase', () => {
    const fixture = fixtures.find((f) => f.algorithm === 'md5-crypt')!;
    expect(parse({ ...fixture, algorithm: 'MD5-Crypt' }).algorithm).toBe('md5-crypt');
    expect(parse({ ...fixtures.find((f) => f.algorithm === 'sha512')!, algorithm: 'SHA512' }).algorithm).toBe('sha512');
  });

  it('stores hex and base64 digests alike, as lowercase hex', async () => {
    const hex = fixtures.find((f) => f.algorithm === 'sha1' && /^[0-9a-f]{40}$/.test(f.password_hash) && !f.salt)!;
    const fromUpper = parse({ ...hex, password_hash: hex.password_hash.toUpperCase() });
    const fromBase64 = parse({ ...hex, password_hash: Buffer.from(hex.password_hash, 'hex').toString('base64') });
    const fromBase64Url = parse({ ...hex, password_hash: Buffer.from(hex.password_hash, 'hex').toString('base64url') });
    expect(fromUpper.hash).toBe(hex.password_hash);
    expect(fromBase64.hash).toBe(hex.password_hash);
    expect(fromBase64Url.hash).toBe(hex.password_hash);
  });

  const md5 = '5f4dcc3b5aa765d61d8327deb882cf99';
  const bcrypt = fixtures.find((f) => f.algorithm === 'bcrypt')!.password_hash;
  const badHashes: [string, Pick<Fixture, 'algorithm' | 'password_hash' | 'salt' | 'salt_position'>, string][] = [
    ['an unknown algorithm', { algorithm: 'sha3-256', password_hash: md5 }, 'unknown_hash_algorithm'],
    ['argon2id, which is not an import format', { algorithm: 'argon2id', password_hash: md5 }, 'unknown_hash_algorithm'],
    ['a bcrypt hash with the buggy $2x$ prefix', { algorithm: 'bcrypt', password_hash: `$2x$${bcrypt.slice(4)}` }, 'invalid_password_hash'],
    ['a bcrypt hash with the $2$ prefix', { algorithm: 'bcrypt', password_hash: `$2$${bcrypt.slice(4)}` }, 'invalid_password_hash'],
    ['a bcrypt hash with cost 03', { algorithm: 'bcrypt', password_hash: `$2b$03$${bcrypt.slice(7)}` }, 'invalid_password_hash'],
    ['a bcrypt hash one character short', { algorithm: 'bcrypt', password_hash: bcrypt.slice(0, 59) }, 'invalid_password_hash'],
    ['a bcrypt hash one character long', { algorithm: 'bcrypt', password_hash: `${bcrypt}a` }, 'invalid_password_hash'],
    ['a bcrypt hash with a salt', { algorithm: 'bcrypt', password_hash: bcrypt, salt: 'pepper' }, 'invalid_password_hash'],
    ['an md5 hex digest one digit short', { algorithm: 'md5', password_hash: md5.slice(1) }, 'invalid_password_hash'],
    ['an md5 digest given as sha256', { algorithm: 'sha256', password_hash: md5 }, 'invalid_password_hash'],
    [
      'a sha1 digest given as md5',
      { algorithm: 'md5', password_hash: 'aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d' },
      'invalid_password_hash',
    ],
    ['a hex digest with a non-hex character', { algorithm: 'md5', password_hash: `${md5.slice(0, 31)}g` }, 'invalid_password_hash'],
    ['a base64 digest of the wrong length', { algorithm: 'sha256', password_hash: 'X03MO1qnZdYdgyfeuILPmQ==' }, 'invalid_password_hash'],
    ['a base64 digest with a stray character', { algorithm: 'md5', password_hash: 'X03MO1qnZdYdgyfeuILP!Q==' }, 'invalid_password_hash'],
    ['salt_position without a salt', { algorithm: 'md5', password_hash: md5, salt_position: 'suffix' }, 'invalid_password_hash'],
    ['an unknown salt_position', { algorithm: 'md5', password_hash: md5, salt: 's', salt_position: 'middle' }, 'invalid_password_hash'],
    ['md5-crypt without $1$', { algorithm: 'md5-crypt', password_hash: 'abcdefgh$gPspgDX1nGVnusmsinVuu/' }, 'invalid_password_hash'],
    [
      'md5-crypt with a 9-character salt',
      { algorithm: 'md5-crypt', password_hash: '$1$abcdefghi$gPspgDX1nGVnusmsinVuu/' },
      'invalid_password_hash',
    ],
    ['md5-crypt cut short', { algorithm: 'md5-crypt', password_hash: '$1$guOdeAd/$gPspgDX1nGVnusmsinVuu' }, 'invalid_password_hash'],
    [
      'an Apache $apr1$ hash given as md5-crypt',
      { algorithm: 'md5-crypt', password_hash: '$apr1$guOdeAd/$gPspgDX1nGVnusmsinVuu/' },
      'invalid_password_hash',
    ],
    ['an empty hash', { algorithm: 'sha256', password_hash: '' }, 'invalid_password_hash'],
  ];

  it.each(badHashes)('refuses %s', (_name, input, code) => {
    expect(codeOf(() => parse(input))).toBe(code);
  });
});
