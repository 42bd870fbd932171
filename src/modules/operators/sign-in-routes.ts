import { Type } from '@fastify/type-provider-typebox';
import { contextOf } from '../../http/request-context.js';
import { ProblemSchema } from '../../http/schemas.js';
import type { TypedApp } from '../../http/types.js';
import { LockedOrRateLimited, LoginBody, loginName, OtpRequiredSchema } from '../accounts/login-schemas.js';
import { SessionSchema, toSessionBody } from '../accounts/schemas.js';
import type { SessionService } from '../accounts/session-service.js';
import type { SecondFactorLoginService } from '../totp/second-factor-login-service.js';
import { VerifyOtpBody } from '../totp/schemas.js';

export interface OperatorSignInDeps {
  sessions: Pick<SessionService, 'login'>;
  otpLogin: Pick<SecondFactorLoginService, 'verify'>;
}

/**
 * The operator console's sign-in (/console): the same login and TOTP step as /auth/login and
 * /auth/verify-otp, without an API key (a console in a browser must not hold one), and for
 * operators only: anyone else gets 403 and no session. Rate-limited per address like /auth/login.
 */
export async function operatorSignInRoutes(app: TypedApp, { sessions, otpLogin }: OperatorSignInDeps): Promise<void> {
  app.post(
    '/operator/login',
    {
      config: { auth: 'none', rateLimit: {} },
      schema: {
        operationId: 'operatorLogin',
        tags: ['operator'],
        summary: 'Sign an operator in (the console), without an API key',
        description:
          'Send `email` or `username` and the password. Answers a Session, or `{"otp_required": true, "otp_token"}` for POST /operator/verify-otp when TOTP is on. The same lockout and rate limit as POST /auth/login apply; a user who is not an operator gets 403 (after their password was checked) and no session.',
        body: LoginBody,
        response: {
          200: Type.Union([SessionSchema, OtpRequiredSchema]),
          401: { ...ProblemSchema, description: 'Unknown user or wrong password (`invalid_credentials`)' },
          403: { ...ProblemSchema, description: 'The user is not an operator (`forbidden`)' },
          429: LockedOrRateLimited,
          503: { ...ProblemSchema, description: 'Too many checks of slow imported hashes at once (`password_checks_busy`)' },
        },
      },
    },
    async (request) => {
      const { email, username, password } = request.body;
      const result = await sessions.login({ ...loginName(email, username), password }, contextOf(request), { operatorOnly: true });
      return result.kind === 'session' ? toSessionBody(result.session) : { otp_required: true as const, otp_token: result.otpToken };
    },
  );

  app.post(
    '/operator/verify-otp',
    {
      config: { auth: 'none', rateLimit: {} },
      schema: {
        operationId: 'operatorVerifyOtp',
        tags: ['operator'],
        summary: "Finish an operator's sign-in with a TOTP code or a recovery code",
        description:
          'Send the `otp_token` from POST /operator/login with a current code or an unused recovery code. The same rules as POST /auth/verify-otp: the token lasts 5 minutes, works once and is spent after 5 tries.',
        body: VerifyOtpBody,
        response: {
          200: SessionSchema,
          401: {
            ...ProblemSchema,
            description: 'Unknown, expired, used or spent otp_token (`invalid_otp_token`); wrong or replayed code (`invalid_otp_code`)',
          },
          403: { ...ProblemSchema, description: 'The otp_token belongs to a user who is not an operator (`forbidden`)' },
          429: { ...ProblemSchema, description: 'Too many wrong codes for this account (`too_many_otp_failures`), see Retry-After' },
        },
      },
    },
    async (request) =>
      toSessionBody(await otpLogin.verify(request.body.otp_token, request.body.code, contextOf(request), { operatorOnly: true })),
  );
}
