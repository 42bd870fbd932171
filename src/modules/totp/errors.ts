import { AppError, defineErrors } from '../../http/errors.js';

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
});

/** Too many wrong codes for one user recently; `Retry-After` says when the next try is allowed. */
export function tooManyOtpFailures(retryAfterSeconds: number): AppError {
  return new AppError(
    'too_many_otp_failures',
    429,
    'Too many wrong codes',
    `Too many wrong codes for this account; try again in ${retryAfterSeconds} seconds`,
    undefined,
    { 'Retry-After': String(retryAfterSeconds) },
  );
}
