import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  smallint,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

/*
 * The whole data model. Constraint and index names are part of the error contract:
 * src/db/errors.ts maps them to API errors, so rename them only together.
 */

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();
const updatedAt = () => timestamp('updated_at', { withTimezone: true }).notNull().defaultNow();

/** Generated secrets that must survive restarts and be shared by every process on one database. */
export const instanceSettings = pgTable('instance_settings', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
  createdAt: createdAt(),
});

export const users = pgTable(
  'users',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    username: text('username').notNull(),
    email: text('email').notNull(),
    firstName: text('first_name').notNull().default(''),
    lastName: text('last_name').notNull().default(''),
    /** argon2id PHC string, or an imported hash awaiting its upgrade on first login. */
    passwordHash: text('password_hash').notNull(),
    passwordAlgorithm: text('password_algorithm').notNull().default('argon2id'),
    passwordSalt: text('password_salt'),
    passwordSaltPosition: text('password_salt_position'),
    operator: boolean('operator').notNull().default(false),
    otpEnabled: boolean('otp_enabled').notNull().default(false),
    /** A link mailed to `email` was followed, or an operator vouched for the address. */
    emailVerified: boolean('email_verified').notNull().default(false),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('users_email_key').on(sql`lower(${t.email})`),
    uniqueIndex('users_username_key').on(sql`lower(${t.username})`),
    index('users_deleted_at_idx')
      .on(t.deletedAt)
      .where(sql`${t.deletedAt} IS NOT NULL`),
    index('users_operator_idx')
      .on(t.id)
      .where(sql`${t.operator} AND ${t.deletedAt} IS NULL`),
    check('users_salt_position_check', sql`${t.passwordSaltPosition} IN ('prefix', 'suffix')`),
  ],
);

export const apps = pgTable(
  'apps',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    domains: text('domains')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    /** JSON Schema (draft 2020-12) that every profile_data of this app must satisfy. */
    profileSchema: jsonb('profile_schema'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('apps_name_key').on(sql`lower(${t.name})`)],
);

export const appApiKeys = pgTable(
  'app_api_keys',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    appId: integer('app_id')
      .notNull()
      .references(() => apps.id, { onDelete: 'cascade' }),
    name: text('name').notNull().default(''),
    /** SHA-256 of the key: keys are random 256-bit values, so a fast hash is enough. */
    keyHash: text('key_hash').notNull(),
    /** First characters of the key, shown in listings so operators can tell keys apart. */
    keyPrefix: text('key_prefix').notNull(),
    createdAt: createdAt(),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
  },
  (t) => [uniqueIndex('app_api_keys_key_hash_key').on(t.keyHash), index('app_api_keys_app_id_idx').on(t.appId)],
);

/** One row per login. Access tokens carry the session id (`sid`) so revoking the row ends them. */
export const sessions = pgTable(
  'sessions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    appId: integer('app_id').references(() => apps.id, { onDelete: 'set null' }),
    /** SHA-256 of the current refresh token; spent ones move to spent_refresh_tokens. */
    refreshTokenHash: text('refresh_token_hash').notNull(),
    refreshExpiresAt: timestamp('refresh_expires_at', { withTimezone: true }).notNull(),
    refreshDisabledAt: timestamp('refresh_disabled_at', { withTimezone: true }),
    createdAt: createdAt(),
    lastRefreshedAt: timestamp('last_refreshed_at', { withTimezone: true }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    revokedReason: text('revoked_reason'),
    userAgent: text('user_agent'),
    ip: text('ip'),
  },
  (t) => [
    uniqueIndex('sessions_refresh_token_hash_key').on(t.refreshTokenHash),
    index('sessions_user_id_idx').on(t.userId),
    index('sessions_revoked_at_idx')
      .on(t.revokedAt)
      .where(sql`${t.revokedAt} IS NOT NULL`),
  ],
);

/** Refresh tokens already rotated away: seeing one again means it was stolen, so the session ends. */
export const spentRefreshTokens = pgTable(
  'spent_refresh_tokens',
  {
    tokenHash: text('token_hash').primaryKey(),
    sessionId: uuid('session_id')
      .notNull()
      .references(() => sessions.id, { onDelete: 'cascade' }),
    spentAt: timestamp('spent_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('spent_refresh_tokens_session_id_idx').on(t.sessionId)],
);

export const profiles = pgTable(
  'profiles',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** Creation order: a bulk insert shares one created_at, so lists order by this instead. */
    seq: bigint('seq', { mode: 'number' }).notNull().generatedAlwaysAsIdentity(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    appId: integer('app_id')
      .notNull()
      .references(() => apps.id, { onDelete: 'restrict' }),
    profileData: jsonb('profile_data').notNull(),
    /** Size of profile_data as the JSON text Sentinel wrote: what the per-user byte limit adds up. */
    dataBytes: integer('data_bytes').notNull(),
    version: integer('version').notNull().default(1),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('profiles_user_app_seq_idx').on(t.userId, t.appId, t.seq),
    index('profiles_app_seq_idx').on(t.appId, t.seq),
    index('profiles_profile_data_gin_idx').using('gin', t.profileData.op('jsonb_path_ops')),
  ],
);

/** Append-only record of security events (a trigger refuses UPDATE and DELETE). */
export const auditEvents = pgTable(
  'audit_events',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    occurredAt: timestamp('occurred_at', { withTimezone: true }).notNull().defaultNow(),
    action: text('action').notNull(),
    /** No foreign keys: the trail must outlive a purged user or a deleted app. */
    actorUserId: uuid('actor_user_id'),
    targetUserId: uuid('target_user_id'),
    appId: integer('app_id'),
    ip: text('ip'),
    userAgent: text('user_agent'),
    detail: jsonb('detail')
      .notNull()
      .default(sql`'{}'::jsonb`),
  },
  (t) => [
    index('audit_events_occurred_at_idx').on(t.occurredAt, t.id),
    index('audit_events_actor_idx').on(t.actorUserId, t.id),
    index('audit_events_target_idx').on(t.targetUserId, t.id),
    index('audit_events_action_idx').on(t.action, t.id),
  ],
);

/** A user's TOTP secret, encrypted (AES-256-GCM); pending until confirmed with a first code. */
export const userTotp = pgTable('user_totp', {
  userId: uuid('user_id')
    .primaryKey()
    .references(() => users.id, { onDelete: 'cascade' }),
  secretEncrypted: text('secret_encrypted').notNull(),
  confirmedAt: timestamp('confirmed_at', { withTimezone: true }),
  /** Highest accepted 30-second step: a code is accepted once (replay protection). */
  lastUsedStep: bigint('last_used_step', { mode: 'number' }),
  createdAt: createdAt(),
});

export const otpRecoveryCodes = pgTable(
  'otp_recovery_codes',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    codeHash: text('code_hash').notNull(),
    usedAt: timestamp('used_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [index('otp_recovery_codes_user_id_idx').on(t.userId)],
);

/** The second step of a TOTP login: single-use, short-lived, capped attempts. */
export const otpChallenges = pgTable(
  'otp_challenges',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tokenHash: text('token_hash').notNull(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    appId: integer('app_id').references(() => apps.id, { onDelete: 'set null' }),
    attempts: smallint('attempts').notNull().default(0),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    consumedAt: timestamp('consumed_at', { withTimezone: true }),
    userAgent: text('user_agent'),
    ip: text('ip'),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('otp_challenges_token_hash_key').on(t.tokenHash), index('otp_challenges_user_id_idx').on(t.userId)],
);

/**
 * Attempts at a secret (a password, a second factor) per account or login name, counted
 * before each check so a burst cannot get past the cap. One fixed window per key; rows whose
 * window has ended mean nothing and are pruned.
 */
export const attemptCounters = pgTable(
  'attempt_counters',
  {
    key: text('key').primaryKey(),
    count: integer('count').notNull(),
    windowEndsAt: timestamp('window_ends_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('attempt_counters_window_ends_at_idx').on(t.windowEndsAt)],
);

/**
 * Keys that sign access tokens. The row without `superseded_at` signs new tokens; a superseded
 * key keeps verifying until `retires_at`, when every token it signed has expired. The HS256
 * secret (SENTINEL_JWT_SECRET or generated) appears as the row `hs256`, with no key material,
 * so that switching algorithms follows the same rules.
 */
export const signingKeys = pgTable(
  'signing_keys',
  {
    kid: text('kid').primaryKey(),
    alg: text('alg').notNull(),
    /** The public key as a JWK (no `d`); null for HS256. */
    publicJwk: jsonb('public_jwk'),
    /** PKCS#8 PEM sealed with the instance encryption key (AES-256-GCM, bound to the kid); null for HS256. */
    privateKeySealed: text('private_key_sealed'),
    createdAt: createdAt(),
    supersededAt: timestamp('superseded_at', { withTimezone: true }),
    retiresAt: timestamp('retires_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('signing_keys_one_active_key')
      .on(sql`(${t.supersededAt} IS NULL)`)
      .where(sql`${t.supersededAt} IS NULL`),
    check('signing_keys_alg_check', sql`${t.alg} IN ('HS256', 'EdDSA', 'ES256', 'RS256')`),
  ],
);

/**
 * WebAuthn credentials (passkeys). The credential id and public key are not secrets, but are
 * stored data all the same: never logged. `sign_count` only ever rises (see docs/passkeys.md).
 */
export const passkeys = pgTable(
  'passkeys',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** base64url, as the browser reports it. */
    credentialId: text('credential_id').notNull(),
    /** The COSE public key, base64url. */
    publicKey: text('public_key').notNull(),
    signCount: bigint('sign_count', { mode: 'number' }).notNull().default(0),
    transports: text('transports')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    name: text('name').notNull(),
    aaguid: text('aaguid').notNull(),
    backedUp: boolean('backed_up').notNull().default(false),
    createdAt: createdAt(),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
  },
  (t) => [uniqueIndex('passkeys_credential_id_key').on(t.credentialId), index('passkeys_user_id_idx').on(t.userId)],
);

/**
 * Pending WebAuthn ceremonies: one random challenge each, single-use (`consumed_at`), expiring.
 * A registration is bound to the session that asked for it; a login to its own id (the
 * `login_id` the client sends back) and to the app whose API key asked.
 */
export const passkeyChallenges = pgTable(
  'passkey_challenges',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    purpose: text('purpose').notNull(),
    challenge: text('challenge').notNull(),
    userId: uuid('user_id').references(() => users.id, { onDelete: 'cascade' }),
    sessionId: uuid('session_id'),
    appId: integer('app_id').references(() => apps.id, { onDelete: 'set null' }),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    consumedAt: timestamp('consumed_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('passkey_challenges_challenge_key').on(t.challenge),
    index('passkey_challenges_expires_at_idx').on(t.expiresAt),
    check('passkey_challenges_purpose_check', sql`${t.purpose} IN ('registration', 'login')`),
  ],
);

/**
 * Mail waiting to be sent (an outbox): written in the transaction of the change that causes
 * it, so a rolled-back change sends nothing and a crash loses nothing. Sent rows are deleted;
 * `payload` is sealed (it carries single-use links).
 */
export const mailOutbox = pgTable(
  'mail_outbox',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    recipient: text('recipient').notNull(),
    /** The subject and bodies, sealed with the instance encryption key (bound to the row id). */
    payload: text('payload').notNull(),
    attempts: integer('attempts').notNull().default(0),
    /** When a worker may next claim it; a claim pushes it ahead by the send lease. */
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }).notNull().defaultNow(),
    lastError: text('last_error'),
    /** Set when the retries are spent: kept for operators, never claimed again. */
    failedAt: timestamp('failed_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [
    index('mail_outbox_due_idx')
      .on(t.nextAttemptAt)
      .where(sql`${t.failedAt} IS NULL`),
  ],
);

/** Single-use links mailed to users (password reset, email verification, email change); only hashes are kept. */
export const mailTokens = pgTable(
  'mail_tokens',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tokenHash: text('token_hash').notNull(),
    purpose: text('purpose').notNull(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** The address the link was mailed to: the one it proves (for an email change, the new one). */
    email: text('email').notNull(),
    appId: integer('app_id').references(() => apps.id, { onDelete: 'set null' }),
    /** Where the hosted page sends the user after success: checked against the app's domains when requested. */
    redirectTo: text('redirect_to'),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    consumedAt: timestamp('consumed_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('mail_tokens_token_hash_key').on(t.tokenHash),
    index('mail_tokens_user_id_idx').on(t.userId),
    index('mail_tokens_expires_at_idx').on(t.expiresAt),
    check('mail_tokens_purpose_check', sql`${t.purpose} IN ('password_reset', 'verify_email', 'email_change')`),
  ],
);

/**
 * What the OpenID Connect provider (oidc-provider) stores: sessions, interactions, grants,
 * codes and tokens, one row per model and id, so that every process on the database shares
 * them and a restart loses none. `consumed_at` is set once, by a conditional UPDATE.
 */
export const oidcPayloads = pgTable(
  'oidc_payloads',
  {
    model: text('model').notNull(),
    id: text('id').notNull(),
    payload: jsonb('payload').notNull(),
    grantId: text('grant_id'),
    uid: text('uid'),
    userCode: text('user_code'),
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    consumedAt: timestamp('consumed_at', { withTimezone: true }),
  },
  (t) => [
    primaryKey({ columns: [t.model, t.id], name: 'oidc_payloads_pkey' }),
    index('oidc_payloads_grant_id_idx').on(t.grantId),
    index('oidc_payloads_uid_idx').on(t.model, t.uid),
    index('oidc_payloads_user_code_idx').on(t.model, t.userCode),
    index('oidc_payloads_expires_at_idx').on(t.expiresAt),
  ],
);

/**
 * The Sentinel session behind each OpenID Connect browser session (by its uid): ending the
 * Sentinel session (logout, an operator, a password reset) ends the OIDC session and its tokens.
 */
export const oidcLogins = pgTable('oidc_logins', {
  uid: text('uid').primaryKey(),
  sessionId: uuid('session_id')
    .notNull()
    .references(() => sessions.id, { onDelete: 'cascade' }),
  createdAt: createdAt(),
});

/** An app that is also an OpenID Connect client. The secret is sealed (SecretBox), as the provider compares it in plain. */
export const oidcClients = pgTable(
  'oidc_clients',
  {
    appId: integer('app_id')
      .primaryKey()
      .references(() => apps.id, { onDelete: 'cascade' }),
    clientType: text('client_type').notNull(),
    secretSealed: text('secret_sealed'),
    redirectUris: text('redirect_uris').array().notNull(),
    postLogoutRedirectUris: text('post_logout_redirect_uris')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    firstParty: boolean('first_party').notNull().default(false),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [check('oidc_clients_client_type_check', sql`${t.clientType} IN ('confidential', 'public')`)],
);

/**
 * The key pair that signs ID tokens while SENTINEL_JWT_ALGORITHM is HS256 (a shared secret
 * cannot sign a token every relying party verifies). With an asymmetric algorithm the
 * signing_keys ring signs ID tokens and this row is unused.
 */
export const oidcSigningKeys = pgTable('oidc_signing_keys', {
  kid: text('kid').primaryKey(),
  alg: text('alg').notNull(),
  publicJwk: jsonb('public_jwk').notNull(),
  privateKeySealed: text('private_key_sealed').notNull(),
  createdAt: createdAt(),
});

export type UserRow = typeof users.$inferSelect;
export type NewUserRow = typeof users.$inferInsert;
export type SessionRow = typeof sessions.$inferSelect;
export type AppRow = typeof apps.$inferSelect;
export type ProfileRow = typeof profiles.$inferSelect;
export type AuditEventRow = typeof auditEvents.$inferSelect;
export type SigningKeyRow = typeof signingKeys.$inferSelect;
export type PasskeyRow = typeof passkeys.$inferSelect;

/**
 * Webhook subscriptions (src/modules/webhooks). `events` holds event names or `*`; `app_id`
 * narrows the profile events to one app. The signing secret is sealed with the instance
 * encryption key, bound to the webhook id.
 */
export const webhooks = pgTable(
  'webhooks',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    url: text('url').notNull(),
    events: text('events').array().notNull(),
    appId: integer('app_id'),
    secretSealed: text('secret_sealed').notNull(),
    enabled: boolean('enabled').notNull().default(true),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('webhooks_created_idx').on(t.createdAt, t.id)],
);

/**
 * The outbox: one row per event and subscribed webhook, written in the transaction of the
 * change it reports. `payload` is the exact body sent (signed as is on every attempt).
 */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    webhookId: uuid('webhook_id')
      .notNull()
      .references(() => webhooks.id, { onDelete: 'cascade' }),
    eventId: uuid('event_id').notNull(),
    eventType: text('event_type').notNull(),
    payload: text('payload').notNull(),
    status: text('status').notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    /** When the next attempt is due; while an instance sends, the end of its claim. */
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }).notNull(),
    /** After this a failed attempt marks the delivery failed instead of scheduling another. */
    giveUpAt: timestamp('give_up_at', { withTimezone: true }).notNull(),
    lastStatusCode: integer('last_status_code'),
    lastError: text('last_error'),
    lastAttemptAt: timestamp('last_attempt_at', { withTimezone: true }),
    deliveredAt: timestamp('delivered_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [
    index('webhook_deliveries_due_idx')
      .on(t.nextAttemptAt)
      .where(sql`${t.status} = 'pending'`),
    index('webhook_deliveries_webhook_idx').on(t.webhookId, t.id),
    check('webhook_deliveries_status_check', sql`${t.status} IN ('pending', 'delivered', 'failed')`),
  ],
);

/** Every attempt to send a delivery: when, how long, and what came back. */
export const webhookAttempts = pgTable(
  'webhook_attempts',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    deliveryId: bigint('delivery_id', { mode: 'number' })
      .notNull()
      .references(() => webhookDeliveries.id, { onDelete: 'cascade' }),
    attemptedAt: timestamp('attempted_at', { withTimezone: true }).notNull(),
    durationMs: integer('duration_ms').notNull(),
    statusCode: integer('status_code'),
    error: text('error'),
  },
  (t) => [index('webhook_attempts_delivery_idx').on(t.deliveryId, t.id)],
);

export type WebhookRow = typeof webhooks.$inferSelect;
export type WebhookDeliveryRow = typeof webhookDeliveries.$inferSelect;
export type WebhookAttemptRow = typeof webhookAttempts.$inferSelect;
export type MailTokenRow = typeof mailTokens.$inferSelect;
export type OidcClientRow = typeof oidcClients.$inferSelect;
