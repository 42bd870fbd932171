import { Type, type Static } from 'typebox';
import type { AppRow } from '../../db/schema.js';
import { AppId, Nullable, ProblemSchema, SingleLine, Timestamp } from '../../http/schemas.js';

export const AppSchema = Type.Object(
  {
    app_id: AppId,
    app: Type.String({ examples: ['notes'] }),
    description: Type.String({ examples: ['Note taking for the whole team'] }),
    domains: Type.Array(Type.String({ examples: ['notes.example.com'] })),
    created_at: Timestamp(),
  },
  { title: 'App' },
);
export type App = Static<typeof AppSchema>;

export function toApp(row: Pick<AppRow, 'id' | 'name' | 'description' | 'domains' | 'createdAt'>): App {
  return {
    app_id: row.id,
    app: row.name,
    description: row.description,
    domains: row.domains,
    created_at: row.createdAt.toISOString(),
  };
}

const AppName = Type.String({
  minLength: 1,
  maxLength: 100,
  // One line, not starting or ending with whitespace.
  pattern: '^[^\\s\\u0000-\\u001f\\u007f](?:[^\\u0000-\\u001f\\u007f]*[^\\s\\u0000-\\u001f\\u007f])?$',
  description: '1 to 100 characters on one line, no surrounding spaces; unique regardless of case',
  examples: ['notes'],
});
const Description = Type.String({ maxLength: 2000, examples: ['Note taking for the whole team'] });
const Domains = Type.Array(SingleLine({ minLength: 1, maxLength: 260, examples: ['notes.example.com'] }), {
  maxItems: 100,
  description:
    'Hostnames the app is served from (at most 100): lowercased and stored in ASCII (punycode); `*.example.com` covers every subdomain; IPv4 addresses allowed; no scheme, port or path',
  examples: [['notes.example.com', '*.notes.example.com']],
});

export const RegisterAppBody = Type.Object(
  { app: AppName, description: Type.Optional(Description), domains: Type.Optional(Domains) },
  {
    additionalProperties: false,
    examples: [{ app: 'notes', description: 'Note taking for the whole team', domains: ['notes.example.com'] }],
  },
);
export type RegisterAppInput = Static<typeof RegisterAppBody>;

export const UpdateAppBody = Type.Object(
  { app: Type.Optional(AppName), description: Type.Optional(Description), domains: Type.Optional(Domains) },
  { additionalProperties: false, minProperties: 1, examples: [{ domains: ['notes.example.com', 'notes.example.org'] }] },
);
export type UpdateAppInput = Static<typeof UpdateAppBody>;

export const AppParams = Type.Object({ appid: AppId }, { additionalProperties: false });

/** A JSON Schema (draft 2020-12) for an app's profile_data. */
export const ProfileDataSchema = Type.Unsafe<Record<string, unknown>>({
  type: 'object',
  additionalProperties: true,
  description: 'A JSON Schema, draft 2020-12 (other drafts are refused); external $refs are not fetched',
  examples: [
    { type: 'object', properties: { theme: { enum: ['light', 'dark'] }, age: { type: 'integer', minimum: 0 } }, required: ['theme'] },
  ],
});

export const OperatorAppSchema = Type.Object(
  {
    app_id: AppId,
    app: Type.String({ examples: ['notes'] }),
    description: Type.String({ examples: ['Note taking for the whole team'] }),
    domains: Type.Array(Type.String({ examples: ['notes.example.com'] })),
    created_at: Timestamp(),
    updated_at: Timestamp(),
    profile_schema: Nullable(ProfileDataSchema),
  },
  { title: 'OperatorApp', description: 'An app as operators see it: with its profile schema' },
);

export function toOperatorApp(row: AppRow) {
  return {
    ...toApp(row),
    updated_at: row.updatedAt.toISOString(),
    profile_schema: (row.profileSchema as Record<string, unknown> | null) ?? null,
  };
}

export const SetSchemaBody = Type.Object(
  { schema: ProfileDataSchema },
  {
    additionalProperties: false,
    examples: [{ schema: { type: 'object', properties: { theme: { enum: ['light', 'dark'] } }, required: ['theme'] } }],
  },
);

export const ApiKeySchema = Type.Object(
  {
    key_id: Type.String({ format: 'uuid', examples: ['5b3f0d62-8f4e-4c1b-9a57-0d2b8e9a1c44'] }),
    app_id: AppId,
    name: Type.String({ examples: ['production'] }),
    prefix: Type.String({ description: 'The first characters of the key, to tell keys apart', examples: ['sk_app_Xq3vT9a'] }),
    created_at: Timestamp(),
    last_used_at: Nullable(Timestamp('Last time the key authenticated a request (updated at most once a minute)')),
    revoked_at: Nullable(Timestamp('When the key was revoked; it stopped working at that moment')),
  },
  { title: 'ApiKey', description: 'An app API key, without its secret' },
);
export type ApiKey = Static<typeof ApiKeySchema>;

export const NewKeyBody = Type.Object(
  { name: Type.Optional(SingleLine({ maxLength: 100, description: 'A label for operators', examples: ['production'] })) },
  { additionalProperties: false, examples: [{ name: 'production' }] },
);

export const ApiKeySecret = Type.String({
  description: 'The key itself, shown this once: send it as X-API-KEY. Only its SHA-256 is stored.',
  examples: ['sk_app_Xq3vT9aK1m...'],
});

export interface ApiKeyRow {
  id: string;
  appId: number;
  name: string;
  keyPrefix: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

export function toApiKey(row: ApiKeyRow): ApiKey {
  return {
    key_id: row.id,
    app_id: row.appId,
    name: row.name,
    prefix: row.keyPrefix,
    created_at: row.createdAt.toISOString(),
    last_used_at: row.lastUsedAt?.toISOString() ?? null,
    revoked_at: row.revokedAt?.toISOString() ?? null,
  };
}

/** The 404 of every route under /operator/app/:appid. */
export const AppNotFound = { ...ProblemSchema, description: 'No app with this id (`app_not_found`)' };

/** The 422 of the routes that take a profile schema (set it, or check profiles against it). */
export const InvalidProfileSchema = {
  ...ProblemSchema,
  description:
    'The schema is not valid draft 2020-12 JSON Schema (errors[] says where), nests more than 64 levels, or is over 64 KiB (`invalid_profile_schema`)',
};
