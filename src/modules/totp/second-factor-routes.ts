import { ProblemSchema } from '../../http/schemas.js';
import { contextOf } from '../../http/request-context.js';
import type { TypedApp } from '../../http/types.js';
import { SessionSchema, toSessionBody } from '../accounts/schemas.js';
import type { SecondFactorLoginService } from './second-factor-login-service.js';
import { VerifyOtpBody } from './schemas.js';

const tooManyFailures = {
  ...ProblemSchema,
  description: 'Too many wrong codes for this account in 15 minutes (`too_many_otp_failures`; `Retry-After` says when to retry)',
};

/** POST /auth/verify-otp: the second step of a login that /auth/login left at `otp_required`. */
export async function secondFactorRoutes(app: TypedApp, { otpLogin }: { otpLogin: SecondFactorLoginService }): Promise<void> {
  app.post(
    '/auth/verify-otp',
    {
      config: { auth: 'apiKey', rateLimit: {} },
      schema: {
        operationId: 'verifyOtp',
        tags: ['auth'],
        summary: 'Finish a TOTP login with a code or a recovery code',
        description:
          'Send the `otp_token` from /auth/login (same API key) with a current TOTP code or an unused recovery code. Answers the same Session as a password-only login. Codes from the current 30-second step and one either side are accepted, each step once per account. The otp_token lasts 5 minutes, works once, and is spent after 5 tries.',
        body: VerifyOtpBody,
        response: {
          200: SessionSchema,
          401: {
            ...ProblemSchema,
            description:
              'Missing or invalid X-API-KEY; unknown, expired, used or spent otp_token, or one issued through another app (`invalid_otp_token`); wrong or replayed code, or used recovery code (`invalid_otp_code`)',
          },
          429: tooManyFailures,
        },
      },
    },
    async (request) => toSessionBody(await otpLogin.verify(request.body.otp_token, request.body.code, contextOf(request))),
  );
}
