import { describe, expect, it } from 'vitest';
import { AppError } from '../../http/errors.js';
import { costCapsOf, passwordImporter } from '../import/hashers/index.js';
import { loadConfig } from '../../config.js';
import { readPasswordInput, type PasswordInputRules } from './password-input.js';

const importer = passwordImporter(costCapsOf(loadConfig({})));
const registration: PasswordInputRules = { hashes: false, plaintext: true, importer };
const apiImport: PasswordInputRules = { hashes: true, plaintext: true, importer };
const fileImport: PasswordInputRules = { hashes: true, plaintext: false, importer };
const MD5 = { password_hash: '5f4dcc3b5aa765d61d8327deb882cf99', hash_algorithm: 'md5' };

function codeOf(read: () => unknown): string {
  try {
    read();
  } catch (error) {
    if (error instanceof AppError) return error.code;
    throw error;
  }
  return 'ok';
}

describe('readPasswordInput: the password rules of registration and every import', () => {
  it.each([
    ['a password of 8 characters', { password: '12345678' }, ['ok', 'ok', 'password_required']],
    ['a password of 7 characters', { password: '1234567' }, ['weak_password', 'weak_password', 'password_required']],
    ['an imported hash', MD5, ['import_not_allowed', 'ok', 'ok']],
    ['both a password and a hash', { password: '12345678', ...MD5 }, ['import_not_allowed', 'password_required', 'password_required']],
    [
      'a hash without its algorithm',
      { password_hash: MD5.password_hash },
      ['import_not_allowed', 'password_required', 'password_required'],
    ],
    [
      'neither (empty strings count as absent)',
      { password: '', password_hash: '' },
      ['password_required', 'password_required', 'password_required'],
    ],
    ['a salt beside a password', { password: '12345678', salt: 'pepper' }, ['validation_failed', 'validation_failed', 'password_required']],
    [
      'an unknown algorithm',
      { password_hash: 'x', hash_algorithm: 'rot13' },
      ['import_not_allowed', 'unknown_hash_algorithm', 'unknown_hash_algorithm'],
    ],
  ])('%s: registration, API import, file import answer %j', (_, input, expected) => {
    expect([registration, apiImport, fileImport].map((rules) => codeOf(() => readPasswordInput(input, rules)))).toEqual(expected);
  });

  it('hands back a plaintext to hash, or the imported hash parsed for storage', () => {
    expect(readPasswordInput({ password: 'correct horse' }, registration)).toEqual({ kind: 'plaintext', password: 'correct horse' });
    expect(readPasswordInput(MD5, apiImport)).toMatchObject({ kind: 'imported', stored: { algorithm: 'md5' } });
  });
});
