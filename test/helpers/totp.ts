import { sql } from 'drizzle-orm';
import { Secret, TOTP } from 'otpauth';
import { queryRows } from '../../src/db/client.js';
import { secretContext } from '../../src/modules/totp/second-factors.js';
import { SecretBox } from '../../src/crypto/secret-box.js';
import type { AuditAction } from '../../src/modules/audit/audit-log.js';
import type { TestApp, TestUser } from './app.js';

/** A fixed master key, so tests can seal a known secret (the RFC 6238 one) into user_totp. */
export const TEST_ENCRYPTION_KEY = 'test-encryption-key-0123456789abcdefghijklmnop';

/** RFC 6238 appendix B's SHA-1 seed, base32. */
export const RFC6238_SECRET = Secret.fromUTF8('12345678901234567890').base32;

/** The 6-digit code of `secret` at `at` (default: the app's clock now). */
export function codeAt(secret: string, at: Date | number): string {
  return TOTP.generate({ secret: Secret.fromBase32(secret), timestamp: typeof at === 'number' ? at : at.getTime() });
}

/** Moves the app clock to `unixSeconds` (it keeps running from there). */
export function setClock(t: TestApp, unixSeconds: number): void {
  t.clock.advance((unixSeconds * 1000 - t.clock().getTime()) / 1000);
}

/** Moves the app clock to the middle of a 30-second step, far from both edges. */
export function setClockToStep(t: TestApp, step: number): void {
  setClock(t, step * 30 + 15);
}

export const currentStep = (t: TestApp) => Math.floor(t.clock().getTime() / 30_000);

export interface Enrolled {
  secret: string;
  recoveryCodes: string[];
  /** An access token of a session opened before TOTP was on. */
  token: string;
}

/**
 * Turns TOTP on for `user` through the API. Confirms with the previous step's code, so the
 * current step's code is still unspent for a login right after. With `secret`, that secret
 * (sealed with TEST_ENCRYPTION_KEY) replaces the generated one before confirming.
 */
export async function enrollTotp(t: TestApp, user: TestUser, secret?: string): Promise<Enrolled> {
  const { token } = await t.login(user);
  const enabled = await t.call('POST', '/auth/enable-otp', { token });
  if (enabled.status !== 200) throw new Error(`enable-otp failed: ${enabled.status} ${enabled.text}`);
  if (secret) {
    const sealed = new SecretBox(TEST_ENCRYPTION_KEY, 'totp-secret').seal(secret, secretContext(user.id));
    await queryRows(t.database.db, sql`UPDATE user_totp SET secret_encrypted = ${sealed} WHERE user_id = ${user.id}`);
  }
  const used = secret ?? enabled.body.secret;
  const confirmed = await t.call('POST', '/auth/confirm-otp', { token, body: { code: codeAt(used, t.clock().getTime() - 30_000) } });
  if (confirmed.status !== 200) throw new Error(`confirm-otp failed: ${confirmed.status} ${confirmed.text}`);
  return { secret: used, recoveryCodes: confirmed.body.recovery_codes, token };
}

/** Logs in with the password and returns the otp_token. */
export async function startLogin(t: TestApp, user: TestUser, apiKey?: string): Promise<string> {
  const response = await t.call('POST', '/auth/login', {
    body: { email: user.email, password: user.password },
    ...(apiKey ? { apiKey } : {}),
  });
  if (response.status !== 200 || response.body.otp_required !== true)
    throw new Error(`expected otp_required: ${response.status} ${response.text}`);
  return response.body.otp_token;
}

export function verifyOtp(t: TestApp, otpToken: string, code: string, apiKey?: string) {
  return t.call('POST', '/auth/verify-otp', { body: { otp_token: otpToken, code }, ...(apiKey ? { apiKey } : {}) });
}

export async function auditOf(t: TestApp, userId: string, action: AuditAction): Promise<{ actor_user_id: string | null; detail: any }[]> {
  return queryRows(
    t.database.db,
    sql`SELECT actor_user_id, detail FROM audit_events WHERE target_user_id = ${userId} AND action = ${action} ORDER BY id`,
  );
}
