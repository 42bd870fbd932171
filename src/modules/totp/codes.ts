import { randomInt } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import { sha256Hex } from '../../crypto/secrets.js';

/** RFC 6238 as every authenticator app reads it by default: HMAC-SHA-1, 6 digits, 30-second steps. */
const TOTP_PARAMETERS = { algorithm: 'SHA1', digits: 6, period: 30 } as const;
export const TOTP_PERIOD_SECONDS = TOTP_PARAMETERS.period;
/** 160 bits, the HMAC-SHA-1 block the RFC recommends. */
const SECRET_BYTES = 20;
/** The step before and after the current one still count: phone clocks drift and typing takes time. */
const STEP_WINDOW = 1;

export const TOTP_CODE_PATTERN = '^[0-9]{6}$';

/** A new random secret, base32 as authenticator apps and `oathtool -b` take it. */
export function newTotpSecret(): string {
  return new Secret({ size: SECRET_BYTES }).base32;
}

/** The otpauth:// URL a phone scans (Google's Key Uri Format). */
export function otpauthUrl(secretBase32: string, issuer: string, accountName: string): string {
  return new TOTP({ issuer, label: accountName, secret: Secret.fromBase32(secretBase32), ...TOTP_PARAMETERS }).toString();
}

/**
 * The time step (`floor(unix seconds / 30)`) whose code `code` is, looking at the step of `at`
 * and one either side; undefined when the code matches none of them. Comparison is constant-time.
 */
export function stepOfCode(secretBase32: string, code: string, at: Date): number | undefined {
  const totp = new TOTP({ secret: Secret.fromBase32(secretBase32), ...TOTP_PARAMETERS });
  const timestamp = at.getTime();
  const delta = totp.validate({ token: code, timestamp, window: STEP_WINDOW });
  return delta === null ? undefined : totp.counter({ timestamp }) + delta;
}

export function isTotpCode(code: string): boolean {
  return new RegExp(TOTP_CODE_PATTERN).test(code);
}

/*
 * Recovery codes: 12 characters of Crockford's base32 (60 random bits), printed as
 * XXXX-XXXX-XXXX. Entropy that high makes a plain SHA-256 a safe way to store them.
 * Reading is forgiving the way Crockford's alphabet intends: any case, hyphens optional,
 * O read as 0 and I or L as 1.
 */
const RECOVERY_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const RECOVERY_LENGTH = 12;
export const RECOVERY_CODE_COUNT = 10;
export const RECOVERY_CODE_PATTERN = '^[0-9A-Za-z]{4}-?[0-9A-Za-z]{4}-?[0-9A-Za-z]{4}$';

export function newRecoveryCode(): string {
  let code = '';
  for (let i = 0; i < RECOVERY_LENGTH; i++) code += RECOVERY_ALPHABET[randomInt(RECOVERY_ALPHABET.length)];
  return code.match(/.{4}/g)!.join('-');
}

/** The canonical form of a typed recovery code, or undefined when it cannot be one. */
export function normalizeRecoveryCode(input: string): string | undefined {
  const code = input.replace(/-/g, '').toUpperCase().replace(/O/g, '0').replace(/[IL]/g, '1');
  if (code.length !== RECOVERY_LENGTH) return undefined;
  for (const char of code) if (!RECOVERY_ALPHABET.includes(char)) return undefined;
  return code;
}

export function recoveryCodeHash(normalized: string): string {
  return sha256Hex(`recovery:${normalized}`);
}
