import { Type, type Static } from 'typebox';
import { AppId, NextCursor, Nullable, PageQuery, ProblemSchema, SingleLine, Timestamp, UserId, Uuid } from '../../http/schemas.js';
import { Email, NewPassword, OperatorUserSchema, PersonName, RegisterBody, Username } from '../accounts/schemas.js';
import type { SessionInfoRow } from './session-admin-repository.js';

const EXAMPLE_USER_ID = '72c9c71b-98dc-4606-826f-bb2784d68446';

/** Error answers the /operator/* user routes share. */
export const OperatorProblems = {
  noUserWithId: { ...ProblemSchema, description: 'No user has this id (`user_not_found`)' },
  noUserMatches: { ...ProblemSchema, description: 'No user matches (`user_not_found`)' },
  userDeleted: { ...ProblemSchema, description: 'The user is soft-deleted: restore them first (`user_deleted`)' },
};

/** The original's clients send every key, empty when unused: an empty string counts as absent. */
const LookupUserId = Type.Union([UserId, Type.Literal('')], { description: 'User id (UUID); an empty string counts as absent' });
const LookupEmail = SingleLine({ maxLength: 320, description: 'Email, any case; an empty string counts as absent' });
const LookupUsername = SingleLine({ maxLength: 320, description: 'Username, any case; an empty string counts as absent' });

/** An operator vouching for an address (or withdrawing that): no verification mail is sent. */
const EmailVerifiedInput = Type.Boolean({
  description: 'Mark the email address verified (true) or not (false). A changed email is unverified unless this says true',
});

export const UserLookupBody = Type.Object(
  {
    user_id: Type.Optional(LookupUserId),
    email: Type.Optional(LookupEmail),
    username: Type.Optional(LookupUsername),
  },
  { additionalProperties: false, examples: [{ email: 'johndo@example.com' }, { user_id: EXAMPLE_USER_ID }] },
);
export type UserLookup = Static<typeof UserLookupBody>;

export const OperatorRegisterBody = Type.Object(
  {
    ...RegisterBody.properties,
    operator: Type.Optional(Type.Boolean({ description: 'Make the new user an operator', default: false })),
    email_verified: Type.Optional(EmailVerifiedInput),
  },
  {
    additionalProperties: false,
    examples: [
      {
        user_info: { username: 'janeRoe', email: 'jane@example.com', first_name: 'Jane', last_name: 'Roe' },
        password: 'correct horse battery staple',
        operator: true,
      },
    ],
  },
);

export const ResetUserPasswordBody = Type.Object(
  {
    user_id: Type.Optional(LookupUserId),
    email: Type.Optional(LookupEmail),
    new_password: NewPassword,
  },
  { additionalProperties: false, examples: [{ email: 'johndo@example.com', new_password: 'a new long passphrase' }] },
);

export const OperatorUpdateBody = Type.Object(
  {
    user_id: UserId,
    username: Type.Optional(Username),
    email: Type.Optional(Email),
    first_name: Type.Optional(PersonName),
    last_name: Type.Optional(PersonName),
    operator: Type.Optional(Type.Boolean({ description: 'Grant (true) or remove (false) the operator role' })),
    email_verified: Type.Optional(EmailVerifiedInput),
  },
  {
    additionalProperties: false,
    minProperties: 2,
    examples: [
      { user_id: EXAMPLE_USER_ID, operator: true },
      { user_id: EXAMPLE_USER_ID, email: 'john.doe@example.com' },
    ],
  },
);
export type OperatorUpdate = Static<typeof OperatorUpdateBody>;

export const UserIdBody = Type.Object({ user_id: UserId }, { additionalProperties: false, examples: [{ user_id: EXAMPLE_USER_ID }] });

export const UserIdParams = Type.Object({ userid: UserId });

export const UserListQuery = Type.Object(
  {
    ...PageQuery,
    q: Type.Optional(
      SingleLine({
        maxLength: 254,
        description: 'Prefix of the email, username, first name, last name or full name (any case)',
        examples: ['jo'],
      }),
    ),
    deleted: Type.Optional(Type.Boolean({ description: 'true: only soft-deleted users; false: only active ones; absent: both' })),
    operator: Type.Optional(Type.Boolean({ description: 'true: only operators; false: only non-operators; absent: both' })),
  },
  { additionalProperties: false },
);

const userExample = {
  user_id: EXAMPLE_USER_ID,
  username: 'johneDoe',
  email: 'johndo@example.com',
  first_name: 'John',
  last_name: 'Doe',
  operator: false,
  otp_enabled: false,
  email_verified: true,
  created_at: '2026-11-27T09:30:00.000Z',
  updated_at: '2026-11-27T09:30:00.000Z',
  deleted_at: null,
};

export const OperatorUserBody = Type.Object(
  { user: OperatorUserSchema },
  { description: 'The user, as operators see them (with deleted_at)', examples: [{ user: userExample }] },
);

export const UserListBody = Type.Object(
  { users: Type.Array(OperatorUserSchema), next_cursor: NextCursor },
  { description: 'One page of users', examples: [{ users: [userExample], next_cursor: null }] },
);

export const UserDeletedBody = Type.Object(
  { message: Type.String(), user_id: UserId },
  { description: 'The user is soft-deleted', examples: [{ message: 'User deleted; their sessions have ended', user_id: EXAMPLE_USER_ID }] },
);

export const PasswordResetBody = Type.Object(
  { message: Type.String(), user_id: UserId, sessions_ended: Type.Integer({ description: 'Sessions of the user that this ended' }) },
  {
    description: 'The password is set',
    examples: [{ message: 'Password reset; the user must log in again', user_id: EXAMPLE_USER_ID, sessions_ended: 2 }],
  },
);

export const PurgedBody = Type.Object(
  {
    user_id: UserId,
    profiles_deleted: Type.Integer({ description: 'Profiles erased with the user, in every app' }),
    sessions_deleted: Type.Integer(),
  },
  {
    description: 'The user and everything hanging off them are gone',
    examples: [{ user_id: EXAMPLE_USER_ID, profiles_deleted: 3, sessions_deleted: 5 }],
  },
);

// ---- sessions ----

export const SessionParams = Type.Object({ userid: UserId, sessionid: Uuid('Session id (UUID)') });

export const SessionListQuery = Type.Object(
  {
    ...PageQuery,
    active: Type.Optional(Type.Boolean({ description: 'true: only live sessions; false: only ended ones; absent: both' })),
  },
  { additionalProperties: false },
);

export const OperatorSessionSchema = Type.Object(
  {
    session_id: Type.String({ format: 'uuid' }),
    user_id: UserId,
    app_id: Nullable(AppId),
    active: Type.Boolean({ description: 'Not revoked and its refresh token not expired' }),
    created_at: Timestamp('Login time'),
    last_refreshed_at: Nullable(Timestamp()),
    refresh_expires_at: Timestamp(),
    refresh_disabled_at: Nullable(Timestamp()),
    revoked_at: Nullable(Timestamp()),
    revoked_reason: Nullable(Type.String({ examples: ['logout'] })),
    ip: Nullable(Type.String()),
    user_agent: Nullable(Type.String()),
  },
  { title: 'SessionInfo', description: 'A login session; never its tokens or their hashes' },
);

export const SessionListBody = Type.Object(
  { sessions: Type.Array(OperatorSessionSchema), next_cursor: NextCursor },
  {
    description: 'One page of sessions',
    examples: [
      {
        sessions: [
          {
            session_id: '0b6b1a0e-8a57-4a1e-9d0e-3f1f2a9c7e11',
            user_id: EXAMPLE_USER_ID,
            app_id: 1,
            active: true,
            created_at: '2026-11-27T09:30:00.000Z',
            last_refreshed_at: null,
            refresh_expires_at: '2026-12-27T09:30:00.000Z',
            refresh_disabled_at: null,
            revoked_at: null,
            revoked_reason: null,
            ip: '203.0.113.7',
            user_agent: 'Mozilla/5.0',
          },
        ],
        next_cursor: null,
      },
    ],
  },
);

export const RevokedBody = Type.Object(
  { message: Type.String(), revoked_sessions: Type.Integer({ description: 'Live sessions this ended (0 if they had already ended)' }) },
  { description: 'Done (also when there was nothing left to end)', examples: [{ message: 'Sessions revoked', revoked_sessions: 2 }] },
);

export function toOperatorSession(row: SessionInfoRow) {
  return {
    session_id: row.id,
    user_id: row.userId,
    app_id: row.appId,
    active: row.active,
    created_at: row.createdAt.toISOString(),
    last_refreshed_at: row.lastRefreshedAt?.toISOString() ?? null,
    refresh_expires_at: row.refreshExpiresAt.toISOString(),
    refresh_disabled_at: row.refreshDisabledAt?.toISOString() ?? null,
    revoked_at: row.revokedAt?.toISOString() ?? null,
    revoked_reason: row.revokedReason,
    ip: row.ip,
    user_agent: row.userAgent,
  };
}

// ---- overview ----

export const OverviewQuery = Type.Object(
  {
    days: Type.Optional(Type.Integer({ minimum: 1, maximum: 90, default: 14, description: 'How many UTC days of logins, today included' })),
  },
  { additionalProperties: false },
);

const Count = Type.Integer({ minimum: 0 });

export const OverviewBody = Type.Object(
  {
    users: Type.Object({ active: Count, deleted: Count, operators: Count }),
    apps: Count,
    days: Type.Array(
      Type.Object({
        day: Type.String({ format: 'date', description: 'UTC day', examples: ['2026-11-30'] }),
        logins_succeeded: Count,
        logins_failed: Count,
      }),
      { description: 'Oldest first, one per day up to today, days without logins included' },
    ),
  },
  {
    description: 'Counts for the console overview',
    examples: [
      {
        users: { active: 1042, deleted: 3, operators: 2 },
        apps: 4,
        days: [
          { day: '2026-11-29', logins_succeeded: 310, logins_failed: 12 },
          { day: '2026-11-30', logins_succeeded: 295, logins_failed: 8 },
        ],
      },
    ],
  },
);
