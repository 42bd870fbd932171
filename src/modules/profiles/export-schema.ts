import { Type } from 'typebox';
import { Nullable, Timestamp } from '../../http/schemas.js';
import { UserSchema } from '../accounts/schemas.js';
import { AppSchema } from '../apps/schemas.js';
import { ProfileSchema } from './schemas.js';

const ExportedSession = Type.Object(
  {
    session_id: Type.String({ format: 'uuid' }),
    app_id: Nullable(Type.Integer({ description: 'The app whose API key started the session' })),
    created_at: Timestamp(),
    last_refreshed_at: Nullable(Timestamp()),
    refresh_expires_at: Timestamp(),
    revoked_at: Nullable(Timestamp()),
    revoked_reason: Nullable(Type.String({ examples: ['logout'] })),
    ip: Nullable(Type.String({ examples: ['203.0.113.7'] })),
    user_agent: Nullable(Type.String()),
  },
  { title: 'ExportedSession' },
);

const ExportedEvent = Type.Object(
  {
    action: Type.String({ examples: ['login.succeeded'] }),
    occurred_at: Timestamp(),
    app_id: Nullable(Type.Integer()),
    ip: Nullable(Type.String()),
    user_agent: Nullable(Type.String()),
  },
  { title: 'ExportedSecurityEvent' },
);

export const ExportSchema = Type.Object(
  {
    exported_at: Timestamp(),
    user: UserSchema,
    apps: Type.Array(AppSchema, { description: 'The apps your profiles belong to' }),
    profiles: Type.Array(ProfileSchema, { description: 'Every profile in every app, in creation order' }),
    sessions: Type.Array(ExportedSession, { description: 'Every session, current and ended' }),
    security_events: Type.Array(ExportedEvent, { description: 'Security events about your account, oldest first' }),
  },
  { title: 'UserExport' },
);
