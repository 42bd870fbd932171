import { Type } from 'typebox';
import { ProblemSchema, SingleLine } from '../../http/schemas.js';
import { AccountErrors } from './errors.js';
import { PresentedPassword } from './schemas.js';

/* What a password login takes and answers, shared by POST /auth/login and the console's POST /operator/login. */

export const OtpRequiredSchema = Type.Object(
  {
    otp_required: Type.Literal(true),
    otp_token: Type.String({ description: 'Send to POST /auth/verify-otp with a code; single-use, valid 5 minutes' }),
  },
  { title: 'OtpRequired' },
);

export const LoginBody = Type.Object(
  {
    email: Type.Optional(SingleLine({ maxLength: 320, examples: ['johndo@example.com'] })),
    username: Type.Optional(SingleLine({ maxLength: 320 })),
    password: PresentedPassword,
  },
  { additionalProperties: false, examples: [{ email: 'johndo@example.com', password: 'correct horse battery staple' }] },
);

export const LockedOrRateLimited = {
  ...ProblemSchema,
  description:
    'Too many wrong passwords for this account (`account_locked`) or too many attempts from this address (`rate_limited`); see Retry-After',
};

/** The login name a body names: email wins when both are non-empty. */
export function loginName(email: string | undefined, username: string | undefined): { email: string } | { username: string } {
  if (email) return { email };
  if (username) return { username };
  throw AccountErrors.ambiguousLogin('Send email or username with the password', [
    { path: '/email', message: 'is required (or username)' },
  ]);
}
