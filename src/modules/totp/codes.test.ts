import { Secret } from 'otpauth';
import { describe, expect, it } from 'vitest';
import { isTotpCode, newRecoveryCode, newTotpSecret, normalizeRecoveryCode, otpauthUrl, recoveryCodeHash, stepOfCode } from './codes.js';

// RFC 6238 appendix B: the SHA-1 seed is the ASCII string "12345678901234567890".
const RFC_SECRET = Secret.fromUTF8('12345678901234567890').base32;
const RFC_VECTORS: [seconds: number, eightDigits: string, step: number][] = [
  [59, '94287082', 1],
  [1_111_111_109, '07081804', 37_037_036],
  [1_111_111_111, '14050471', 37_037_037],
  [1_234_567_890, '89005924', 41_152_263],
  [2_000_000_000, '69279037', 66_666_666],
];

describe('stepOfCode', () => {
  it.each(RFC_VECTORS)('accepts the RFC 6238 code at %i s (last 6 digits of %s) as step %i', (seconds, eight, step) => {
    expect(stepOfCode(RFC_SECRET, eight.slice(-6), new Date(seconds * 1000))).toBe(step);
  });

  it.each(RFC_VECTORS)('accepts the code of %i s one step before and after, naming its own step', (seconds, eight, step) => {
    const code = eight.slice(-6);
    expect(stepOfCode(RFC_SECRET, code, new Date((seconds - 30) * 1000))).toBe(step);
    expect(stepOfCode(RFC_SECRET, code, new Date((seconds + 30) * 1000))).toBe(step);
  });

  it.each(RFC_VECTORS)('refuses the code of %i s two steps before and after', (seconds, eight) => {
    const code = eight.slice(-6);
    expect(stepOfCode(RFC_SECRET, code, new Date((seconds - 60) * 1000))).toBeUndefined();
    expect(stepOfCode(RFC_SECRET, code, new Date((seconds + 60) * 1000))).toBeUndefined();
  });

  it('refuses the 8-digit form and a code for another secret', () => {
    expect(stepOfCode(RFC_SECRET, '94287082', new Date(59_000))).toBeUndefined();
    expect(stepOfCode(newTotpSecret(), '287082', new Date(59_000))).toBeUndefined();
  });
});

describe('newTotpSecret and otpauthUrl', () => {
  it('makes 160-bit base32 secrets, different every time', () => {
    const secret = newTotpSecret();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(Secret.fromBase32(secret).bytes.length).toBe(20);
    expect(newTotpSecret()).not.toBe(secret);
  });

  it('writes the Key Uri Format authenticator apps read, labelled with issuer and email', () => {
    const url = new URL(otpauthUrl('JBSWY3DPEHPK3PXP', 'Acme Corp', 'ada@example.com'));
    expect(url.protocol).toBe('otpauth:');
    expect(url.host).toBe('totp');
    expect(decodeURIComponent(url.pathname)).toBe('/Acme Corp:ada@example.com');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      issuer: 'Acme Corp',
      secret: 'JBSWY3DPEHPK3PXP',
      algorithm: 'SHA1',
      digits: '6',
      period: '30',
    });
  });
});

describe('recovery codes', () => {
  it('prints XXXX-XXXX-XXXX in Crockford base32, all different', () => {
    const codes = Array.from({ length: 200 }, newRecoveryCode);
    for (const code of codes) expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/);
    expect(new Set(codes).size).toBe(codes.length);
  });

  it('reads a code in any case, with or without hyphens, O as 0 and I or L as 1', () => {
    const canonical = normalizeRecoveryCode('7KQ0-2XH1-9TRA');
    expect(canonical).toBe('7KQ02XH19TRA');
    for (const typed of ['7kq0-2xh1-9tra', '7KQ02XH19TRA', '7KQO-2XHI-9TRA', '7kqo2xhl9tra']) {
      expect(normalizeRecoveryCode(typed)).toBe(canonical);
      expect(recoveryCodeHash(normalizeRecoveryCode(typed)!)).toBe(recoveryCodeHash(canonical!));
    }
  });

  it('reads nothing from strings that cannot be a code', () => {
    for (const typed of ['7KQ0-2XH1-9TR', '7KQ0-2XH1-9TRAB', '7KQU-2XH1-9TRA', '7KQ0 2XH1 9TRA', '']) {
      expect(normalizeRecoveryCode(typed)).toBeUndefined();
    }
  });

  it('tells 6-digit TOTP codes from everything else', () => {
    expect(isTotpCode('012345')).toBe(true);
    for (const code of ['12345', '1234567', '12 345', '12345a', '١٢٣٤٥٦']) expect(isTotpCode(code)).toBe(false);
  });
});
