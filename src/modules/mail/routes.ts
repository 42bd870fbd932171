import { Type } from 'typebox';
import { principalOf } from '../../http/auth.js';
import { contextOf } from '../../http/request-context.js';
import { MessageSchema, ProblemSchema } from '../../http/schemas.js';
import type { TypedApp } from '../../http/types.js';
import { toUser, UserSchema } from '../accounts/schemas.js';
import type { MailServices } from './compose.js';
import { ResetConfirmBody, ResetRequestBody, VerifyConfirmBody, VerifyRequestQuery } from './schemas.js';

const MailOff = { ...ProblemSchema, description: 'Mail is off on this server: SMTP_URL is not set (`mail_not_configured`)' };
const BadLink = { ...ProblemSchema, description: 'The link is unknown, already used or expired (`invalid_token`), or the body is invalid' };
const BadRedirect = { ...ProblemSchema, description: "redirect_to is not on one of the calling app's domains (`redirect_not_allowed`)" };

/** The JSON side of the mail flows; the pages the links open are in page-routes.ts. */
export async function mailRoutes(app: TypedApp, { passwordReset, emailVerification }: MailServices): Promise<void> {
  app.post(
    '/auth/password-reset/request',
    {
      config: { auth: 'apiKey', rateLimit: {} },
      schema: {
        operationId: 'requestPasswordReset',
        tags: ['auth'],
        summary: 'Mail a link to set a new password',
        description:
          'Answers 202 whether or not an account has the address, with the same body and in about the same time; an account gets a single-use link valid one hour, opening the page `/account/reset-password`. ' +
          'Each address gets at most 5 such mails an hour (more are dropped silently); each client address is rate-limited (429).',
        body: ResetRequestBody,
        response: { 202: MessageSchema, 400: BadRedirect, 503: MailOff },
      },
    },
    async (request, reply) => {
      await passwordReset.request(request.body.email, request.body.redirect_to, contextOf(request));
      return reply.code(202).send({ message: 'If an account uses this address, a link to reset its password is on its way' });
    },
  );

  app.post(
    '/auth/password-reset/confirm',
    {
      config: { auth: 'none', rateLimit: {} },
      schema: {
        operationId: 'confirmPasswordReset',
        tags: ['auth'],
        summary: 'Set a new password with a mailed link',
        description:
          'Spends the link (once: of concurrent confirms exactly one succeeds), sets the password under the rules of registration, and ends every session of the user. The user gets a notice by mail.',
        body: ResetConfirmBody,
        response: {
          200: MessageSchema,
          400: { ...BadLink, description: `${BadLink.description}; a new_password too short (\`weak_password\`)` },
          503: MailOff,
        },
      },
    },
    async (request) => {
      await passwordReset.confirm(request.body.token, request.body.new_password, contextOf(request));
      return { message: 'Password set; every session has ended' };
    },
  );

  app.post(
    '/auth/verify-email/request',
    {
      config: { auth: 'user', rateLimit: {} },
      schema: {
        operationId: 'requestEmailVerification',
        tags: ['auth'],
        summary: 'Mail a link that confirms your email address',
        description:
          'The link is single-use, valid 24 hours, and opens the page `/account/verify-email`. `redirect_to` goes in the query string (the request needs no body). At most 5 mails an hour per address (429 `rate_limited`).',
        querystring: VerifyRequestQuery,
        response: {
          202: MessageSchema,
          400: BadRedirect,
          409: { ...ProblemSchema, description: 'The address is already verified (`email_already_verified`)' },
          429: { ...ProblemSchema, description: 'Too many mails to this address or from this client (`rate_limited`)' },
          503: MailOff,
        },
      },
    },
    async (request, reply) => {
      await emailVerification.request(principalOf(request), request.query.redirect_to, contextOf(request));
      return reply.code(202).send({ message: 'A confirmation link is on its way' });
    },
  );

  app.post(
    '/auth/verify-email/confirm',
    {
      config: { auth: 'none', rateLimit: {} },
      schema: {
        operationId: 'confirmEmail',
        tags: ['auth'],
        summary: 'Confirm an email address with a mailed link',
        description:
          "For a verification link, the account's address becomes verified. For an email-change link (mailed to the new address by POST /user/userinfo/update), the account takes the new address, verified, and the old address gets a notice.",
        body: VerifyConfirmBody,
        response: {
          200: Type.Object({ user: UserSchema }),
          400: BadLink,
          409: { ...ProblemSchema, description: 'Another account took the new address meanwhile (`email_taken`)' },
          503: MailOff,
        },
      },
    },
    async (request) => ({ user: toUser((await emailVerification.confirm(request.body.token, contextOf(request))).user) }),
  );
}
