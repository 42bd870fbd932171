import type { Clock } from './clock.js';
import type { Config } from './config.js';
import type { Database } from './db/client.js';
import { AccessChecks, type AccountSnapshot, type SessionOwner } from './modules/accounts/access-checks.js';
import { AccountService } from './modules/accounts/account-service.js';
import { ChangeAwareCache } from './modules/accounts/change-aware-cache.js';
import { RowChangeFeed } from './modules/accounts/change-feed.js';
import { RefreshSuccessors } from './modules/accounts/refresh-successors.js';
import { accountLocked } from './modules/accounts/errors.js';
import { PasswordAttempts } from './modules/accounts/password-attempts.js';
import { Passwords } from './modules/accounts/passwords.js';
import { RevocationSync, SessionRevocations } from './modules/accounts/revocations.js';
import { SessionService } from './modules/accounts/session-service.js';
import { SessionsRepository } from './modules/accounts/sessions-repository.js';
import { AccessTokens } from './modules/accounts/tokens.js';
import { UsersRepository } from './modules/accounts/users-repository.js';
import { createAppServices } from './modules/apps/compose.js';
import { createMailServices } from './modules/mail/compose.js';
import type { MailTransport } from './modules/mail/transport.js';
import { AttemptCounters } from './modules/attempts/attempt-counters.js';
import { AttemptLimiter } from './modules/attempts/attempt-limiter.js';
import { AuditLog } from './modules/audit/audit-log.js';
import { AuditRepository } from './modules/audit/audit-repository.js';
import { CheckQueue } from './modules/import/hashers/check-queue.js';
import { ImportedHashChecks } from './modules/import/hashers/imported-hashes.js';
import { costCapsOf, passwordImporter } from './modules/import/hashers/index.js';
import { ImportRepository } from './modules/import/import-repository.js';
import { UserImportService } from './modules/import/import-service.js';
import { createKeyServices } from './modules/keys/compose.js';
import { createOidcServices } from './modules/oidc/compose.js';
import { createOperatorServices } from './modules/operators/services.js';
import { createProfileServices } from './modules/profiles/compose.js';
import type { InstanceSecrets } from './modules/system/instance-secrets.js';
import { ChallengesRepository } from './modules/totp/challenges-repository.js';
import { OtpChallenges } from './modules/totp/login-challenges.js';
import { createTotpServices } from './modules/totp/compose.js';
import { createPasskeyServices } from './modules/passkeys/compose.js';
import { createWebhookServices } from './modules/webhooks/compose.js';

/**
 * How long a cached user or session is trusted without news of a change. Changes arrive by
 * notification within milliseconds; this only bounds the damage if one were ever lost.
 */
const AUTH_CACHE_TTL_MS = 60_000;

export interface ServiceDeps {
  config: Config;
  database: Database;
  secrets: InstanceSecrets;
  clock: Clock;
  revocationPollMs: number;
  onBackgroundError: (error: unknown) => void;
  /** Logs a warning an operator must act on; `fields` never hold a secret. */
  onWarning?: (message: string, fields: Record<string, unknown>) => void;
  /** Replaces SMTP (tests); the configuration's SMTP_URL otherwise. */
  mailTransport?: MailTransport;
}

export type Services = ReturnType<typeof createServices>;

/**
 * Repositories from the database, then services from repositories and configuration.
 * Shared by the HTTP app and the command line, so both apply the same rules.
 */
export function createServices({
  config,
  database,
  secrets,
  clock,
  revocationPollMs,
  onBackgroundError,
  onWarning,
  mailTransport,
}: ServiceDeps) {
  const db = database.db;
  const cacheLimits = { max: config.authCacheSize, ttlMs: AUTH_CACHE_TTL_MS };
  const accountCache = new ChangeAwareCache<AccountSnapshot>(cacheLimits, (id) => users.findAccount(id));
  const sessionCache = new ChangeAwareCache<SessionOwner>(cacheLimits, (id) => sessionsRepository.ownerOf(id));
  const rowChanges = new RowChangeFeed(database);
  rowChanges.watch('user', accountCache);
  rowChanges.watch('session', sessionCache);
  const users = new UsersRepository(db, database, (id) => accountCache.forget(id));
  const sessionsRepository = new SessionsRepository(db, database);
  const audit = new AuditLog(db, database);
  const webhooks = createWebhookServices({
    database,
    audit,
    clock,
    config: config.webhooks,
    encryptionKey: secrets.encryptionKeys ?? secrets.encryptionKey ?? secrets.jwtSecret,
    appExists: async (appId) => (await apps.repository.findById(appId)) !== undefined,
    onBackgroundError,
  });
  const events = webhooks.outbox;
  const otpChallenges = new ChallengesRepository(db);

  const accessTtlMs = config.accessTokenTtlSeconds * 1000;
  const revocations = new SessionRevocations(accessTtlMs, clock);
  const revocationSync = new RevocationSync(revocations, sessionsRepository, database, {
    rememberMs: accessTtlMs,
    pollMs: revocationPollMs,
    clock,
    onError: onBackgroundError,
  });
  const importRepository = new ImportRepository(db);
  const costCaps = costCapsOf(config);
  const importer = passwordImporter(costCaps);
  const passwords = new Passwords(
    config.argon2,
    new ImportedHashChecks({
      caps: costCaps,
      queue: new CheckQueue(config.importedHashChecks),
      countHeld: () => importRepository.countHeldHashes(),
      warn: onWarning ?? (() => {}),
    }),
  );
  const attemptCounters = new AttemptCounters(db, database, onBackgroundError);
  // One per-account lockout for every way of signing in (passwords here, passkeys below).
  const loginLockout = new AttemptLimiter(
    attemptCounters,
    { scope: 'password', maxFailures: config.loginMaxFailures, windowSeconds: config.loginLockoutSeconds, refused: accountLocked },
    clock,
  );
  const passwordAttempts = new PasswordAttempts(passwords, loginLockout);
  const signingKeys = createKeyServices({
    algorithm: config.jwtAlgorithm,
    database,
    audit,
    clock,
    encryptionKey: secrets.encryptionKeys ?? secrets.encryptionKey ?? secrets.jwtSecret,
    hmacSecret: secrets.jwtSecret,
    accessTokenTtlSeconds: config.accessTokenTtlSeconds,
    pollMs: revocationPollMs,
    onBackgroundError,
  });
  const tokens = new AccessTokens(signingKeys.ring, config.jwtIssuer, config.accessTokenTtlSeconds, revocations, clock);
  const accessChecks = new AccessChecks({ tokens, accounts: accountCache, sessions: sessionCache });
  const sessions = new SessionService({
    db,
    users,
    accounts: accountCache,
    // Not the encryption key: `sentinel encryption-key rotate` would change every successor mid-grace.
    successors: new RefreshSuccessors(secrets.jwtSecret),
    refreshGraceSeconds: config.refreshGraceSeconds,
    sessions: sessionsRepository,
    passwordAttempts,
    tokens,
    revocations: revocationSync,
    audit,
    refreshTokenTtlSeconds: config.refreshTokenTtlSeconds,
    clock,
    secondFactor: new OtpChallenges({ challenges: otpChallenges, audit, clock }),
    events,
    requireVerifiedEmail: config.requireVerifiedEmail,
  });
  const apps = createAppServices({ db, audit, clock, events });
  const mail = createMailServices({
    db,
    mail: config.mail,
    publicUrl: config.publicUrl,
    users,
    apps: apps.repository,
    passwords,
    sessions,
    attemptCounters,
    audit,
    clock,
    events,
    encryptionKey: secrets.encryptionKeys ?? secrets.encryptionKey ?? secrets.jwtSecret,
    onBackgroundError,
    ...(mailTransport ? { transport: mailTransport } : {}),
  });
  const { accountMail } = mail;
  const accounts = new AccountService({
    db,
    users,
    passwords,
    passwordAttempts,
    sessions,
    audit,
    passwordImporter: importer,
    events,
    mail: accountMail,
  });
  const userImport = new UserImportService({ db, repository: importRepository, audit, importer, passwords, events });
  const { totp, otpLogin } = createTotpServices({
    db,
    users,
    challenges: otpChallenges,
    passwordAttempts,
    attemptCounters,
    sessions,
    audit,
    clock,
    encryptionKey: secrets.encryptionKeys ?? secrets.encryptionKey ?? secrets.jwtSecret,
    issuer: config.totpIssuer,
    events,
    accountMail,
  });
  const operators = createOperatorServices({
    db,
    users,
    sessions,
    accounts,
    passwords,
    audit,
    clock,
    deletedUserRetentionSeconds: config.deletedUserRetentionSeconds,
    onBackgroundError,
    events,
    accountMail,
  });
  const auditEvents = new AuditRepository(db);
  const passkeys = createPasskeyServices({
    db,
    users,
    sessions,
    lockout: loginLockout,
    audit,
    clock,
    config: config.passkeys,
    publicUrl: config.publicUrl,
    rpName: config.totpIssuer,
    appDomains: apps.allowedOrigins,
    instanceSecret: secrets.jwtSecret,
  });
  const profiles = createProfileServices({
    db,
    database,
    apps,
    users,
    audit,
    clock,
    profileMaxBytes: config.profileMaxBytes,
    limits: { perUserApp: config.maxProfilesPerUserApp, bytesPerUser: config.maxProfileBytesPerUser },
    events,
  });

  const oidc = createOidcServices({
    db,
    apps: apps.repository,
    findAccount: (id) => accountCache.get(id),
    sessions,
    otpLogin,
    passkeyLogin: passkeys.login,
    audit,
    ring: signingKeys.ring,
    encryptionKey: secrets.encryptionKeys ?? secrets.encryptionKey ?? secrets.jwtSecret,
    jwtSecret: secrets.jwtSecret,
    publicUrl: config.publicUrl,
    trustProxy: config.trustProxy !== false,
    accessTokenTtlSeconds: config.accessTokenTtlSeconds,
    refreshTokenTtlSeconds: config.refreshTokenTtlSeconds,
  });

  return {
    users,
    apps,
    oidc,
    audit,
    passwords,
    tokens,
    revocations,
    signingKeys,
    accessChecks,
    rowChanges,
    revocationSync,
    sessions,
    accounts,
    totp,
    otpLogin,
    passkeys,
    operators,
    auditEvents,
    userImport,
    profiles,
    webhooks,
    mail,
  };
}
