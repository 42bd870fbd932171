import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A random 256-bit secret, URL-safe: refresh tokens, API keys, OTP challenge tokens. */
export function randomSecret(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/**
 * SHA-256 for storing random high-entropy secrets. They cannot be guessed, so a slow
 * password hash would add nothing but latency; an index can then find them by hash.
 */
export function sha256Hex(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Compares two secrets in time independent of where they differ (hashing first evens out lengths). */
export function secretsEqual(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}
