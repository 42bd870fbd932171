import { Type, type Static } from 'typebox';
import { AppId, NextCursor, PageQuery, ProblemSchema, Timestamp, UserId, Uuid, withHeaders } from '../../http/schemas.js';

export const ProfileId = Uuid('Profile id (UUID)', '0b6f3c1e-6d0a-4f57-9a3e-2f4f7c9d8e21');
export { UserId };

export const ProfileData = Type.Unknown({
  description:
    'Any JSON value (objects are the norm): at most 256 KiB as JSON by default (SENTINEL_PROFILE_MAX_BYTES) and 1,000 levels of nesting. Each user may hold at most 1,000 profiles per app (SENTINEL_MAX_PROFILES_PER_USER_APP) and 64 MiB of profile_data across all apps (SENTINEL_MAX_PROFILE_BYTES_PER_USER). Numbers JSON cannot carry exactly are refused with 400: integers beyond ±9007199254740991 (send them as strings), and numbers too large or too small for a double (1e400, 1e-400). Stored as PostgreSQL jsonb, so object keys come back in jsonb order and duplicate keys keep the last value.',
  examples: [{ theme: 'dark', progress: { level: 3 } }],
});

export const ProfileSchema = Type.Object(
  {
    profile_id: ProfileId,
    user_id: UserId,
    app_id: AppId,
    profile_data: ProfileData,
    version: Type.Integer({
      minimum: 1,
      description: 'Starts at 1 and grows by one on every change; the ETag is its quoted value',
      examples: [1],
    }),
    created_at: Timestamp(),
    updated_at: Timestamp(),
  },
  { title: 'Profile' },
);
export type Profile = Static<typeof ProfileSchema>;

export interface ProfileRecord {
  id: string;
  userId: string;
  appId: number;
  profileData: unknown;
  /** profile_data's size as stored JSON text, in UTF-8 bytes. */
  dataBytes: number;
  version: number;
  seq: number;
  createdAt: Date;
  updatedAt: Date;
}

export function toProfile(row: ProfileRecord): Profile {
  return {
    profile_id: row.id,
    user_id: row.userId,
    app_id: row.appId,
    profile_data: row.profileData,
    version: row.version,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

export const ProfileList = Type.Object({ profiles: Type.Array(ProfileSchema), next_cursor: NextCursor });
export const ProfileEnvelope = Type.Object({ profile: ProfileSchema });

export const CreateProfileBody = Type.Object(
  { app_id: AppId, profile_data: ProfileData },
  { additionalProperties: false, examples: [{ app_id: 1, profile_data: { theme: 'dark' } }] },
);

export const ReplaceProfileBody = Type.Object(
  { profile_data: ProfileData },
  { additionalProperties: false, examples: [{ profile_data: { theme: 'light', progress: { level: 4 } } }] },
);

/** RFC 7396: a patch that is not an object would replace the whole document, which is what PUT is for. */
export const MergePatchBody = Type.Unsafe<Record<string, unknown>>({
  type: 'object',
  // Any keys: without this, generators such as openapi-typescript read an object with no properties as `Record<string, never>`.
  additionalProperties: true,
  description: 'A JSON merge patch (RFC 7396) applied to profile_data: keys merge, null removes a key, arrays and scalars replace',
  examples: [{ theme: 'dark', progress: { level: 5 }, obsolete_key: null }],
});

export const AppParams = Type.Object({ appid: AppId }, { additionalProperties: false });
export const OwnProfileParams = Type.Object({ appid: AppId, profile_id: ProfileId }, { additionalProperties: false });
export const UserAppParams = Type.Object({ userid: UserId, appid: AppId }, { additionalProperties: false });
export const UserProfileParams = Type.Object({ userid: UserId, appid: AppId, profile_id: ProfileId }, { additionalProperties: false });

export const ListQuery = Type.Object(PageQuery, { additionalProperties: false });

export const IfMatchHeaders = Type.Object({
  'if-match': Type.Optional(
    Type.String({
      description:
        'Write only if the profile is still this version: `"3"` (an ETag from a read), or `*` (only if it exists). A profile that does not exist fails it: 412, not 404.',
      examples: ['"3"'],
    }),
  ),
});
export const IfNoneMatchHeaders = Type.Object({
  'if-none-match': Type.Optional(Type.String({ description: 'Answer 304 if the profile is still this version', examples: ['"3"'] })),
});

/** Error answers the profile routes share. */
export const ProfileProblems = {
  appNotFound: { ...ProblemSchema, description: 'No app with this id (`app_not_found`)' },
  profileNotFound: { ...ProblemSchema, description: 'No such profile for this user and app (`profile_not_found`)' },
  tooLarge: { ...ProblemSchema, description: 'profile_data is larger than the configured limit, 256 KiB by default (`profile_too_large`)' },
  stale: {
    ...ProblemSchema,
    description:
      'If-Match names an older version (the ETag header has the current one), or the profile does not exist (no ETag); without If-Match a missing profile is 404 (`precondition_failed`)',
  },
  schema: {
    ...ProblemSchema,
    description: "profile_data does not match the app's JSON Schema: one errors[] entry per violation (`schema_violation`)",
  },
  limit: {
    ...ProblemSchema,
    description:
      "The user already has as many profiles in this app as allowed, 1,000 by default (`profile_limit_reached`), or the user's profile_data across all apps would exceed its limit, 64 MiB by default (`profile_bytes_limit_reached`)",
  },
  bytesLimit: {
    ...ProblemSchema,
    description: "The user's profile_data across all apps would exceed its limit, 64 MiB by default (`profile_bytes_limit_reached`)",
  },
};

/** The answers of every write to one profile (PUT, PATCH), by the user or an operator. */
export const ProfileWriteResponses = {
  200: withHeaders(ProfileEnvelope, 'ETag'),
  404: ProfileProblems.profileNotFound,
  409: ProfileProblems.bytesLimit,
  412: ProfileProblems.stale,
  413: ProfileProblems.tooLarge,
  422: ProfileProblems.schema,
};
