import { defineErrors, retryLater, type AppError } from '../../http/errors.js';

export const TotpErrors = defineErrors({
  otpAlreadyEnabled: { status: 409, title: 'TOTP is already on' },
  otpNotPending: { status: 409, title: 'No TOTP enrollment to confirm' },
  otpNotEnabled: { status: 409, title: 'TOTP is not on' },
  /** verify-otp: unknown, expired, used, spent (5 wrong codes) or another app's otp_token. */
  invalidOtpToken: { status: 401, title: 'Invalid or expired otp_token' },
  /** verify-otp: a well-formed code that is wrong, replayed, or an already used recovery code. */
  invalidOtpCode: { status: 401, title: 'Invalid code' },
  /** confirm-otp and disable-otp: 403, not 401, so clients do not take it for a dead access token. */
  wrongOtpCode: { status: 403, title: 'Wrong code' },
  otpSecretUnreadable: { status: 500, title: 'The TOTP secret cannot be decrypted' },
  /** Too many wrong codes for one user recently. */
  tooManyOtpFailures: { status: 429, title: 'Too many wrong codes', headers: ['Retry-After'] },
});

/** The per-user cap's answer, for AttemptLimiter. */
export function tooManyOtpFailures(retryAfterSeconds: number): AppError {
  return retryLater(
    TotpErrors.tooManyOtpFailures,
    retryAfterSeconds,
    `Too many wrong codes for this account; try again in ${retryAfterSeconds} seconds`,
  );
}
