import { Type } from 'typebox';
import { principalOf } from '../../http/auth.js';
import { contextOf } from '../../http/request-context.js';
import { ProblemSchema } from '../../http/schemas.js';
import type { TypedApp } from '../../http/types.js';
import { toUser, UserSchema } from '../accounts/schemas.js';
import type { Proof, TotpEnrollmentService } from './enrollment-service.js';
import { EnrollmentSchema, ProofBody, RecoveryCodes, TotpCode } from './schemas.js';

const tooManyProofs = {
  ...ProblemSchema,
  description:
    'Too many wrong codes for this account in 15 minutes (`too_many_otp_failures`), or a password proof while the account is locked (`account_locked`, see /auth/login); `Retry-After` says when to retry',
};

/** The account holder turns TOTP on and off and replaces the recovery codes. */
export async function totpEnrollmentRoutes(app: TypedApp, { totp }: { totp: TotpEnrollmentService }): Promise<void> {
  app.post(
    '/auth/enable-otp',
    {
      config: { auth: 'user' },
      schema: {
        operationId: 'enableOtp',
        tags: ['auth'],
        summary: 'Start TOTP enrollment: get a secret and its QR code',
        description:
          'Creates a pending secret (RFC 6238: SHA-1, 6 digits, 30 s). TOTP is on only after POST /auth/confirm-otp; calling this again before that replaces the pending secret. The secret is stored encrypted and never shown again.',
        response: {
          200: EnrollmentSchema,
          409: { ...ProblemSchema, description: 'TOTP is already on (`otp_already_enabled`): turn it off first' },
        },
      },
    },
    async (request) => {
      const enrollment = await totp.enable(principalOf(request), contextOf(request));
      return { secret: enrollment.secret, otpauth_url: enrollment.otpauthUrl, qr_code: enrollment.qrCode };
    },
  );

  app.post(
    '/auth/confirm-otp',
    {
      config: { auth: 'user' },
      schema: {
        operationId: 'confirmOtp',
        tags: ['auth'],
        summary: 'Turn TOTP on with a first code; get the recovery codes',
        description:
          'Checks a code from the app against the pending secret. From now on /auth/login answers `otp_required`. The ten recovery codes are shown only in this answer. Existing sessions stay.',
        body: Type.Object({ code: TotpCode }, { additionalProperties: false, examples: [{ code: '492039' }] }),
        response: {
          200: Type.Object({ user: UserSchema, recovery_codes: RecoveryCodes }),
          403: { ...ProblemSchema, description: 'The code does not match the pending secret (`wrong_otp_code`)' },
          409: {
            ...ProblemSchema,
            description: 'No pending enrollment (`otp_not_pending`: call enable-otp first) or TOTP already on (`otp_already_enabled`)',
          },
        },
      },
    },
    async (request) => {
      const { user, recoveryCodes } = await totp.confirm(principalOf(request), request.body.code, contextOf(request));
      return { user: toUser(user), recovery_codes: recoveryCodes };
    },
  );

  app.post(
    '/auth/disable-otp',
    {
      config: { auth: 'user' },
      schema: {
        operationId: 'disableOtp',
        tags: ['auth'],
        summary: 'Turn TOTP off, proven with a code or the password',
        description:
          'Deletes the secret and the recovery codes. Sessions stay. A wrong code counts towards the per-account limit on codes (10 in 15 minutes, shared with /auth/verify-otp); a wrong password towards the account lockout shared with /auth/login. Both are counted before the proof is checked.',
        body: ProofBody,
        response: {
          200: Type.Object({ user: UserSchema }),
          403: { ...ProblemSchema, description: 'Wrong, replayed or used code (`wrong_otp_code`), or wrong password (`wrong_password`)' },
          409: { ...ProblemSchema, description: 'TOTP is not on (`otp_not_enabled`)' },
          429: tooManyProofs,
        },
      },
    },
    async (request) => ({ user: toUser(await totp.disable(principalOf(request), proofOf(request.body), contextOf(request))) }),
  );

  app.post(
    '/auth/recovery-codes',
    {
      config: { auth: 'user' },
      schema: {
        operationId: 'regenerateRecoveryCodes',
        tags: ['auth'],
        summary: 'Replace the recovery codes with ten new ones',
        description: 'Every earlier recovery code, used or not, stops working. Proven like disable-otp.',
        body: ProofBody,
        response: {
          200: Type.Object({ recovery_codes: RecoveryCodes }),
          403: { ...ProblemSchema, description: 'Wrong, replayed or used code (`wrong_otp_code`), or wrong password (`wrong_password`)' },
          409: { ...ProblemSchema, description: 'TOTP is not on (`otp_not_enabled`)' },
          429: tooManyProofs,
        },
      },
    },
    async (request) => ({
      recovery_codes: await totp.regenerateRecoveryCodes(principalOf(request), proofOf(request.body), contextOf(request)),
    }),
  );
}

function proofOf(body: { code?: string | undefined; password?: string | undefined }): Proof {
  return body.code !== undefined ? { code: body.code } : { password: body.password ?? '' };
}
