import type { AccountSnapshot } from './access-checks.js';
import { Type, type Static } from 'typebox';
import type { IssuedSession } from './session-service.js';
import type { UserChanges } from './users-repository.js';
import { Nullable, SingleLine, Timestamp, UserId } from '../../http/schemas.js';

export const Username = Type.String({
  minLength: 3,
  maxLength: 64,
  pattern: '^[A-Za-z0-9._@+-]+$',
  description: '3 to 64 characters: letters, digits and . _ @ + -; unique regardless of case',
  examples: ['johneDoe'],
});
export const Email = Type.String({
  format: 'email',
  maxLength: 254,
  description: 'Unique regardless of case',
  examples: ['johndo@example.com'],
});
export const PersonName = SingleLine({ maxLength: 200, examples: ['John'] });
export const NewPassword = Type.String({
  minLength: 8,
  maxLength: 256,
  description: '8 to 256 characters',
  examples: ['correct horse battery staple'],
});
/** Passwords presented to log in: imported accounts may predate the 8-character rule. */
export const PresentedPassword = Type.String({
  minLength: 1,
  maxLength: 256,
  description: 'The current password: 1 to 256 characters (imported accounts may have one shorter than new passwords need)',
  examples: ['correct horse battery staple'],
});

const userFields = {
  user_id: UserId,
  username: Type.String({ examples: ['johneDoe'] }),
  email: Type.String({ examples: ['johndo@example.com'] }),
  first_name: Type.String({ examples: ['John'] }),
  last_name: Type.String({ examples: ['Doe'] }),
  operator: Type.Boolean({ examples: [false] }),
  otp_enabled: Type.Boolean({ examples: [false] }),
  email_verified: Type.Boolean({
    description: 'A link mailed to the address was followed, or an operator vouched for it',
    examples: [false],
  }),
  created_at: Timestamp(),
  updated_at: Timestamp(),
};

export const UserSchema = Type.Object(userFields, { title: 'User' });
export const OperatorUserSchema = Type.Object(
  { ...userFields, deleted_at: Nullable(Timestamp('When the account was soft-deleted')) },
  { title: 'UserWithDeletion' },
);
export type User = Static<typeof OperatorUserSchema>;

export const SessionSchema = Type.Object(
  {
    token: Type.String({ description: 'Access token (JWT, HS256)', examples: ['eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9...'] }),
    token_type: Type.Literal('Bearer'),
    expires_in: Type.Integer({ description: 'Seconds until the access token expires', examples: [900] }),
    refresh_token: Type.String({ description: 'Opaque, single-use; rotate with POST /auth/refresh', examples: ['Yp2q...'] }),
    user: UserSchema,
  },
  { title: 'Session' },
);

export const UserInfoInput = Type.Object(
  {
    username: Username,
    email: Email,
    first_name: Type.Optional(PersonName),
    last_name: Type.Optional(PersonName),
  },
  { additionalProperties: false },
);

export const RegisterBody = Type.Object(
  {
    user_info: UserInfoInput,
    password: Type.Optional(
      Type.String({
        maxLength: 256,
        description: 'Plaintext password for a new user: 8 to 256 characters (shorter is 400 `weak_password`). Leave out when importing.',
      }),
    ),
    password_hash: Type.Optional(Type.String({ maxLength: 1024, description: 'Imported hash, instead of password; needs hash_algorithm' })),
    hash_algorithm: Type.Optional(
      Type.String({ maxLength: 32, description: 'bcrypt, sha256, md5, sha512, sha1, blake2b or md5-crypt (case-insensitive)' }),
    ),
    salt: Type.Optional(Type.String({ maxLength: 1024, description: 'Salt of a salted plain digest' })),
    salt_position: Type.Optional(Type.Union([Type.Literal('prefix'), Type.Literal('suffix')])),
  },
  {
    additionalProperties: false,
    description:
      'Send `password` for a new user, or `password_hash` with `hash_algorithm` (plus `salt` and `salt_position` for a salted digest) to import one; never both. Empty strings count as absent. Neither, both, or a hash without its algorithm is 400 `password_required`.',
    examples: [
      {
        user_info: { username: 'johneDoe', email: 'johndo@example.com', first_name: 'John', last_name: 'Doe' },
        password: 'correct horse battery staple',
      },
    ],
  },
);
export type RegisterInput = Static<typeof RegisterBody>;

export const UserInfoUpdateBody = Type.Object(
  {
    username: Type.Optional(Username),
    email: Type.Optional(Email),
    first_name: Type.Optional(PersonName),
    last_name: Type.Optional(PersonName),
  },
  { additionalProperties: false, minProperties: 1, examples: [{ first_name: 'Johnny' }] },
);
export type UserInfoUpdate = Static<typeof UserInfoUpdateBody>;

/** The API's snake_case profile fields as the repository's column changes; absent fields stay as they are. */
export function toUserChanges(update: UserInfoUpdate): UserChanges {
  return {
    ...(update.username !== undefined ? { username: update.username } : {}),
    ...(update.email !== undefined ? { email: update.email } : {}),
    ...(update.first_name !== undefined ? { firstName: update.first_name } : {}),
    ...(update.last_name !== undefined ? { lastName: update.last_name } : {}),
  };
}

export function toUser(row: AccountSnapshot): User {
  return {
    user_id: row.id,
    username: row.username,
    email: row.email,
    first_name: row.firstName,
    last_name: row.lastName,
    operator: row.operator,
    otp_enabled: row.otpEnabled,
    email_verified: row.emailVerified,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
    deleted_at: row.deletedAt?.toISOString() ?? null,
  };
}

/** A Session body (SessionSchema) from a session just started or refreshed. */
export function toSessionBody(issued: IssuedSession) {
  return {
    token: issued.access.token,
    token_type: 'Bearer' as const,
    expires_in: issued.access.expiresIn,
    refresh_token: issued.refreshToken,
    user: toUser(issued.user),
  };
}
