import { Type } from 'typebox';
import { principalOf } from '../../http/auth.js';
import { contextOf } from '../../http/request-context.js';
import { MessageSchema, ProblemSchema, Timestamp } from '../../http/schemas.js';
import type { TypedApp } from '../../http/types.js';
import type { AccountService } from './account-service.js';
import { NewPassword, PresentedPassword, RegisterBody, SessionSchema, toSessionBody, toUser, UserSchema } from './schemas.js';
import { LockedOrRateLimited, LoginBody, loginName, OtpRequiredSchema } from './login-schemas.js';
import type { SessionService } from './session-service.js';

export interface AuthRoutesDeps {
  accounts: AccountService;
  sessions: SessionService;
}

export async function authRoutes(app: TypedApp, { accounts, sessions }: AuthRoutesDeps): Promise<void> {
  app.post(
    '/auth/register',
    {
      config: { auth: 'apiKey', rateLimit: {} },
      schema: {
        operationId: 'register',
        tags: ['auth'],
        summary: 'Register a user (or import one with a password hash)',
        description:
          'Creates an account shared by every app. Send `password` for a new user, or `password_hash` with `hash_algorithm` to import one. ' +
          'Imports need the bootstrap API key (app keys live in browsers: with one, `password_hash` is 403 `import_not_allowed`); operators import with POST /operator/profile/register or POST /operator/users/import. ' +
          'A bcrypt hash may have a cost of 14 at most by default (`SENTINEL_IMPORT_BCRYPT_MAX_COST`), since every login to the account spends it. ' +
          'Empty `password_hash`/`hash_algorithm` strings count as absent, as the original accepted.',
        body: RegisterBody,
        response: {
          201: Type.Object({ user: UserSchema }),
          400: {
            ...ProblemSchema,
            description:
              'Invalid request (`validation_failed`, `password_required`, `weak_password`, `unknown_hash_algorithm`, `invalid_password_hash`)',
          },
          403: { ...ProblemSchema, description: '`password_hash` sent with an app key (`import_not_allowed`)' },
          409: { ...ProblemSchema, description: 'Email (`email_taken`) or username (`username_taken`) already registered' },
        },
      },
    },
    async (request, reply) => {
      // App keys live in browsers: an import through one would let anyone choose what logins cost.
      const user = await accounts.register(request.body, contextOf(request), { allowImport: request.apiClient?.kind === 'bootstrap' });
      return reply.code(201).send({ user: toUser(user) });
    },
  );

  app.post(
    '/auth/login',
    {
      config: { auth: 'apiKey', rateLimit: {} },
      schema: {
        operationId: 'login',
        tags: ['auth'],
        summary: 'Log in with email or username and password',
        description:
          'Send `email` or `username` (email wins if both are non-empty). Answers a Session, or `{"otp_required": true, "otp_token"}` when the user has TOTP on. Unknown users and wrong passwords get the same 401, in about the same time.\n\n' +
          '**Account lockout.** Every password check of an account counts on one counter per account, whichever name (email or username, in any letter case) and whichever route (this one or `/auth/reset-password`) it came through, and from any address. Each attempt is counted before the password is checked, so concurrent guesses cannot get past the limit. After `SENTINEL_LOGIN_MAX_FAILURES` wrong passwords (default 10) within `SENTINEL_LOGIN_LOCKOUT_WINDOW` (default 15 minutes, counted from the first failure) the account answers 429 `account_locked` with `Retry-After` until the window ends, even to the right password. A successful login uncounts only its own attempt. Names of no account are counted the same way, so a lockout tells nothing about which accounts exist. Separately, each address is limited to `SENTINEL_RATE_LIMIT_MAX` requests per `SENTINEL_RATE_LIMIT_WINDOW` (429 `rate_limited`).',
        body: LoginBody,
        response: {
          200: Type.Union([SessionSchema, OtpRequiredSchema]),
          401: { ...ProblemSchema, description: 'Missing or invalid X-API-KEY, or unknown user or wrong password (`invalid_credentials`)' },
          429: LockedOrRateLimited,
          503: {
            ...ProblemSchema,
            description: 'Too many checks of slow imported hashes at once (`password_checks_busy`); retry after `Retry-After` seconds',
          },
        },
      },
    },
    async (request) => {
      const { email, username, password } = request.body;
      const result = await sessions.login({ ...loginName(email, username), password }, contextOf(request));
      return result.kind === 'session' ? toSessionBody(result.session) : { otp_required: true as const, otp_token: result.otpToken };
    },
  );

  app.get(
    '/auth/verify',
    {
      config: { auth: 'user' },
      schema: {
        operationId: 'verifyToken',
        tags: ['auth'],
        summary: 'Check an access token and get its user',
        description:
          'For apps that do not verify tokens themselves: a token that is expired, revoked or ended by logout is 401, and so is one whose account was deleted. ' +
          'The user is the account as it is now (a changed email or operator role shows within a second on every server), not as the token was issued.',
        response: {
          200: Type.Object({ valid: Type.Literal(true), user: UserSchema, expires_at: Timestamp('When this access token expires') }),
        },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      return { valid: true as const, user: toUser(principal.user), expires_at: principal.expiresAt.toISOString() };
    },
  );

  app.post(
    '/auth/refresh',
    {
      config: { auth: 'none', rateLimit: {} },
      schema: {
        operationId: 'refreshSession',
        tags: ['auth'],
        summary: 'Trade a refresh token for a new session',
        description:
          'The refresh token is single-use: the answer carries a new one. A client that sends the same refresh token again within `SENTINEL_REFRESH_GRACE` (10 seconds by default; a lost answer, two tabs, a retry after a 503) gets the same new refresh token and a new access token for the same session. ' +
          'Presenting a spent refresh token after that, or after its successor was used, ends the whole session (token theft).',
        body: Type.Object(
          { refresh_token: Type.String({ minLength: 1, maxLength: 512 }) },
          { additionalProperties: false, examples: [{ refresh_token: 'Yp2q...' }] },
        ),
        response: {
          200: SessionSchema,
          401: { ...ProblemSchema, description: 'Unknown, spent, expired or disabled refresh token (`invalid_refresh_token`)' },
        },
      },
    },
    async (request) => toSessionBody(await sessions.refresh(request.body.refresh_token, contextOf(request))),
  );

  app.get(
    '/auth/refresh-disable',
    {
      config: { auth: 'user' },
      schema: {
        operationId: 'disableRefresh',
        tags: ['auth'],
        summary: "Stop this session's refresh token from working",
        description: 'The access token keeps working until it expires; the refresh token stops at once.',
        response: { 200: MessageSchema },
      },
    },
    async (request) => {
      await sessions.disableRefresh(principalOf(request), contextOf(request));
      return { message: 'Refresh disabled for this session' };
    },
  );

  app.get(
    '/auth/logout',
    {
      config: { auth: 'user' },
      schema: {
        operationId: 'logout',
        tags: ['auth'],
        summary: 'End this session',
        description: "The session's access and refresh tokens stop working at once.",
        response: { 200: MessageSchema },
      },
    },
    async (request) => {
      await sessions.logout(principalOf(request), contextOf(request));
      return { message: 'Logged out' };
    },
  );

  app.post(
    '/auth/reset-password',
    {
      config: { auth: 'user', rateLimit: {} },
      schema: {
        operationId: 'resetPassword',
        tags: ['auth'],
        summary: 'Change your password',
        description:
          'Needs the current password. Every other session of the user ends; this one stays. A wrong old_password counts towards the account lockout shared with /auth/login (see there): once locked, 429 `account_locked` before the password is checked.',
        body: Type.Object(
          { old_password: PresentedPassword, new_password: NewPassword },
          {
            additionalProperties: false,
            examples: [{ old_password: 'correct horse battery staple', new_password: 'another long passphrase' }],
          },
        ),
        response: {
          200: MessageSchema,
          403: { ...ProblemSchema, description: 'old_password is wrong (`wrong_password`)' },
          429: LockedOrRateLimited,
        },
      },
    },
    async (request) => {
      const { old_password, new_password } = request.body;
      await accounts.changePassword(principalOf(request), old_password, new_password, contextOf(request));
      return { message: 'Password changed; your other sessions have ended' };
    },
  );
}

/** Original clients may send both keys with one empty: an empty string counts as absent, and email wins over username. */
