import { describe, expect, it } from 'vitest';
import { SecretBox, UnreadableSecretError } from './secret-box.js';

const MASTER = 'a master secret of at least thirty-two bytes';

describe('SecretBox', () => {
  it('seals as v1.<iv>.<tag>.<ciphertext> with a fresh IV, and opens again', () => {
    const box = new SecretBox(MASTER, 'totp-secret');
    const first = box.seal('JBSWY3DPEHPK3PXP', 'user_totp:1');
    const second = box.seal('JBSWY3DPEHPK3PXP', 'user_totp:1');
    expect(first).toMatch(/^v1\.[\w-]{16}\.[\w-]{22}\.[\w-]+$/);
    expect(second).not.toBe(first);
    expect(first).not.toContain('JBSWY3DPEHPK3PXP');
    expect(box.open(first, 'user_totp:1')).toBe('JBSWY3DPEHPK3PXP');
    expect(box.open(second, 'user_totp:1')).toBe('JBSWY3DPEHPK3PXP');
  });

  // Threat: someone who can write the table copies their own secret onto another user's row.
  it('refuses a sealed value moved to another context', () => {
    const box = new SecretBox(MASTER, 'totp-secret');
    expect(() => box.open(box.seal('secret', 'user_totp:1'), 'user_totp:2')).toThrow(UnreadableSecretError);
  });

  it('refuses another master secret, another purpose, a tampered value and unknown formats', () => {
    const box = new SecretBox(MASTER, 'totp-secret');
    const sealed = box.seal('secret', 'ctx');
    expect(() => new SecretBox(`${MASTER}!`, 'totp-secret').open(sealed, 'ctx')).toThrow(UnreadableSecretError);
    expect(() => new SecretBox(MASTER, 'other').open(sealed, 'ctx')).toThrow(UnreadableSecretError);
    const [format, iv, tag, ciphertext] = sealed.split('.');
    const flipped = Buffer.from(ciphertext!, 'base64url');
    flipped[0]! ^= 1;
    expect(() => box.open([format, iv, tag, flipped.toString('base64url')].join('.'), 'ctx')).toThrow(UnreadableSecretError);
    for (const bad of ['v2.a.b.c', 'v1.a.b', 'plain', '', `${sealed}.extra`, `v1.${iv}.AAAA.${ciphertext}`]) {
      expect(() => box.open(bad, 'ctx')).toThrow(UnreadableSecretError);
    }
  });
});
