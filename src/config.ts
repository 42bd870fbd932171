import net from 'node:net';
import path from 'node:path';
import { TOKEN_ALGORITHMS, type TokenAlgorithm } from './modules/keys/algorithms.js';

/** Everything Sentinel reads from its environment, validated once at start. */
export interface Config {
  port: number;
  host: string;
  /** postgres://... when running on a PostgreSQL server; undefined for embedded PGlite. */
  databaseUrl: string | undefined;
  databasePoolSize: number;
  dataDir: string;
  /** Bootstrap API key; undefined means "generate one on first start and keep it". */
  apiKey: string | undefined;
  /** HS256 signing secret; undefined means "generate one on first start and keep it". */
  jwtSecret: string | undefined;
  jwtIssuer: string;
  /** What signs new access tokens: the HS256 secret, or a generated key pair published in the JWKS. */
  jwtAlgorithm: TokenAlgorithm;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  /** Seconds after a refresh during which the same refresh token gets the same successor again; 0 = none. */
  refreshGraceSeconds: number;
  /** Users, and sessions, each process keeps in memory for token checks; 0 = read the database every time. */
  authCacheSize: number;
  bodyLimitBytes: number;
  bulkBodyLimitBytes: number;
  profileMaxBytes: number;
  argon2: Argon2Params;
  /**
   * The reverse proxies whose X-Forwarded-For Sentinel believes (addresses, CIDRs, or
   * `loopback` / `linklocal` / `uniquelocal`), as Fastify's `trustProxy` takes them; false: none.
   */
  trustProxy: false | string[];
  logLevel: string;
  /** Write each log line before going on (true), or in the background with the lines queued behind it (false, the default). */
  logSync: boolean;
  /** Seconds a soft-deleted user is kept before being purged automatically; 0 = never. */
  deletedUserRetentionSeconds: number;
  /** Master secret for data encrypted at rest (TOTP secrets); undefined means "generate one and keep it in the database". */
  encryptionKey: string | undefined;
  /** Former values of SENTINEL_ENCRYPTION_KEY: they still open what they sealed, until `sentinel encryption-key rotate` re-encrypts it. */
  previousEncryptionKeys: string[];
  /** Bearer token GET /metrics asks for; undefined turns the route off (404). */
  metricsToken: string | undefined;
  /** Issuer shown by authenticator apps next to the account (the otpauth:// URL's issuer). */
  totpIssuer: string;
  /** Requests per client IP per window on each credential route (login, register, refresh, OTP); 0 = no limit. */
  rateLimitMax: number;
  rateLimitWindowSeconds: number;
  /** Failed logins one account name may have per lockout window before logins to it answer 429; 0 = no lockout. */
  loginMaxFailures: number;
  loginLockoutSeconds: number;
  /** redis://... to share rate-limit counters between processes; in-process counters otherwise. */
  redisUrl: string | undefined;
  /** Seconds to wait for a PostgreSQL connection, or for a free pooled one, before answering 503. */
  databaseConnectTimeoutSeconds: number;
  /** Seconds a client has to send a whole request (headers and body); past it, 408. */
  requestTimeoutSeconds: number;
  /** Seconds a client has to send the request headers; past it, 408. */
  headersTimeoutSeconds: number;
  /** Seconds an idle keep-alive connection stays open. */
  keepAliveTimeoutSeconds: number;
  /** Seconds between SIGTERM and closing: /readyz answers 503 meanwhile, so load balancers stop sending first. */
  shutdownGraceSeconds: number;
  /** Highest bcrypt cost an import may carry: a login to the account costs 2^cost rounds (cost 14 is about a second). */
  importBcryptMaxCost: number;
  /** Checks of imported hashes that run on libuv's thread pool (bcrypt), kept from taking the threads argon2id needs. */
  importedHashChecks: ImportedHashCheckLimits;
  /** Where clients reach this instance (no trailing slash): the API document's server, and the start of links in mails. */
  publicUrl: string;
  /** WebAuthn: the relying party ID (a host name) and the origins besides the public URL's that may use passkeys. */
  passkeys: PasskeyConfig;
  /** Profiles one user may hold in one app. */
  maxProfilesPerUserApp: number;
  /** profile_data bytes (as stored JSON) one user may hold across all apps. */
  maxProfileBytesPerUser: number;
  webhooks: WebhookConfig;
  /** Outgoing mail (SMTP_URL, SENTINEL_MAIL_FROM); undefined turns mail off (email routes answer 503). */
  mail: MailConfig | undefined;
  /** SENTINEL_REQUIRE_VERIFIED_EMAIL: logins of users whose email is unverified answer 403 `email_not_verified`. */
  requireVerifiedEmail: boolean;
}

/** How webhooks are delivered (src/modules/webhooks). */
export interface WebhookConfig {
  /** Allow http:// URLs (SENTINEL_WEBHOOKS_ALLOW_HTTP); https only otherwise. */
  allowHttp: boolean;
  /** Allow URLs whose addresses are loopback, private, link-local or unspecified (SENTINEL_WEBHOOKS_ALLOW_PRIVATE). */
  allowPrivate: boolean;
  /** How long one attempt may take, connecting to reading the answer. */
  timeoutMs: number;
  /** How long after an event failed attempts are retried before the delivery is marked failed. */
  retryForSeconds: number;
  /** The wait after the first failure; each further failure doubles it (with jitter), up to backoffMaxMs. */
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** How often each server looks for due deliveries even without a notification. */
  pollMs: number;
  /** Deliveries one server sends at once. */
  concurrency: number;
}

export interface MailConfig {
  /** smtp://user:pass@host:port, or smtps:// for TLS from the first byte. Holds a password: never logged. */
  smtpUrl: string;
  from: string;
  /** How often each process looks for due mail (a new mail also wakes its own process at once). */
  pollMs: number;
  /** Wait before the first retry; each next one waits twice as long, up to an hour. */
  retryBaseMs: number;
  /** Attempts before a mail is given up (kept as failed, visible to operators). */
  maxAttempts: number;
  /** How long one delivery may take (connecting, greeting, sending) before it counts as failed. */
  sendTimeoutMs: number;
}

export interface ImportedHashCheckLimits {
  /** Checks running at once. */
  concurrency: number;
  /** Checks waiting for a turn; one more is answered 503 at once. */
  maxWaiting: number;
  /** How long a check may wait for its turn before it is answered 503. */
  waitTimeoutMs: number;
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export interface Argon2Params {
  memoryKib: number;
  iterations: number;
  parallelism: number;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** OWASP's first recommended argon2id setting: 19 MiB, 2 iterations, 1 lane. */
export const OWASP_ARGON2: Argon2Params = { memoryKib: 19_456, iterations: 2, parallelism: 1 };

export const MIN_JWT_SECRET_BYTES = 32;
export const MIN_ENCRYPTION_KEY_BYTES = 32;

type Env = Record<string, string | undefined>;

export function loadConfig(env: Env = process.env): Config {
  const read = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === '' ? undefined : value;
  };

  const jwtSecret = read('SENTINEL_JWT_SECRET');
  if (jwtSecret !== undefined && Buffer.byteLength(jwtSecret, 'utf8') < MIN_JWT_SECRET_BYTES) {
    throw new ConfigError(
      `SENTINEL_JWT_SECRET is ${Buffer.byteLength(jwtSecret, 'utf8')} bytes; it must be at least ${MIN_JWT_SECRET_BYTES} bytes (try: openssl rand -base64 48)`,
    );
  }
  const apiKey = read('SENTINEL_API_KEY');
  if (apiKey !== undefined && apiKey.length < 16) {
    throw new ConfigError('SENTINEL_API_KEY must be at least 16 characters (try: openssl rand -hex 32)');
  }
  const encryptionKey = read('SENTINEL_ENCRYPTION_KEY');
  if (encryptionKey !== undefined && Buffer.byteLength(encryptionKey, 'utf8') < MIN_ENCRYPTION_KEY_BYTES) {
    throw new ConfigError(
      `SENTINEL_ENCRYPTION_KEY is ${Buffer.byteLength(encryptionKey, 'utf8')} bytes; it must be at least ${MIN_ENCRYPTION_KEY_BYTES} bytes (try: openssl rand -base64 48)`,
    );
  }
  const previousEncryptionKeys = (read('SENTINEL_ENCRYPTION_KEY_PREVIOUS') ?? '')
    .split(',')
    .map((key) => key.trim())
    .filter(Boolean);
  if (previousEncryptionKeys.some((key) => Buffer.byteLength(key, 'utf8') < MIN_ENCRYPTION_KEY_BYTES)) {
    throw new ConfigError(
      `SENTINEL_ENCRYPTION_KEY_PREVIOUS must list keys of at least ${MIN_ENCRYPTION_KEY_BYTES} bytes, separated by commas`,
    );
  }
  const metricsToken = read('SENTINEL_METRICS_TOKEN');
  if (metricsToken !== undefined && metricsToken.length < 16) {
    throw new ConfigError('SENTINEL_METRICS_TOKEN must be at least 16 characters (try: openssl rand -hex 32)');
  }
  const totpIssuer = read('SENTINEL_TOTP_ISSUER') ?? 'Sentinel';
  // Authenticator apps split the otpauth:// label on ':', and the issuer must fit one line.
  if (totpIssuer.includes(':') || /[\u0000-\u001f\u007f]/.test(totpIssuer) || totpIssuer.length > 100) {
    throw new ConfigError('SENTINEL_TOTP_ISSUER must be at most 100 characters, with no colon or control characters');
  }
  const redisUrl = read('REDIS_URL');
  if (redisUrl !== undefined && !/^rediss?:\/\//.test(redisUrl)) {
    throw new ConfigError('REDIS_URL must start with redis:// or rediss://');
  }
  const logLevel = (read('SENTINEL_LOG_LEVEL') ?? 'info').toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new ConfigError(`SENTINEL_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}; got "${read('SENTINEL_LOG_LEVEL')}"`);
  }
  const requestTimeoutSeconds = duration(env, 'SENTINEL_REQUEST_TIMEOUT', 60);
  const headersTimeoutSeconds = duration(env, 'SENTINEL_HEADERS_TIMEOUT', Math.min(10, requestTimeoutSeconds));
  if (headersTimeoutSeconds > requestTimeoutSeconds) {
    throw new ConfigError(
      'SENTINEL_HEADERS_TIMEOUT must not be longer than SENTINEL_REQUEST_TIMEOUT (the headers are part of the request)',
    );
  }
  const databaseUrl = read('DATABASE_URL');
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL must start with postgres:// or postgresql://');
  }

  const config: Omit<Config, 'passkeys'> = {
    port: integer(env, 'PORT', 3000, 0, 65_535),
    host: read('HOST') ?? '127.0.0.1',
    databaseUrl,
    databasePoolSize: integer(env, 'SENTINEL_DB_POOL_SIZE', 10, 1, 1000),
    dataDir: path.resolve(read('SENTINEL_DATA_DIR') ?? './data'),
    apiKey,
    jwtSecret,
    jwtIssuer: read('SENTINEL_JWT_ISSUER') ?? 'sentinel',
    jwtAlgorithm: jwtAlgorithm(read('SENTINEL_JWT_ALGORITHM')),
    accessTokenTtlSeconds: duration(env, 'SENTINEL_ACCESS_TOKEN_TTL', 15 * 60),
    refreshTokenTtlSeconds: duration(env, 'SENTINEL_REFRESH_TOKEN_TTL', 30 * 24 * 3600),
    refreshGraceSeconds: duration(env, 'SENTINEL_REFRESH_GRACE', 10, 0),
    authCacheSize: integer(env, 'SENTINEL_AUTH_CACHE_SIZE', 100_000, 0, 10_000_000),
    bodyLimitBytes: bytes(env, 'SENTINEL_BODY_LIMIT', 1024 * 1024),
    bulkBodyLimitBytes: bytes(env, 'SENTINEL_BULK_BODY_LIMIT', 64 * 1024 * 1024),
    profileMaxBytes: bytes(env, 'SENTINEL_PROFILE_MAX_BYTES', 256 * 1024),
    argon2: {
      memoryKib: integer(env, 'SENTINEL_ARGON2_MEMORY_KIB', OWASP_ARGON2.memoryKib, 1024, 4 * 1024 * 1024),
      iterations: integer(env, 'SENTINEL_ARGON2_ITERATIONS', OWASP_ARGON2.iterations, 1, 100),
      parallelism: integer(env, 'SENTINEL_ARGON2_PARALLELISM', OWASP_ARGON2.parallelism, 1, 16),
    },
    trustProxy: trustedProxies(read('SENTINEL_TRUST_PROXY')),
    logLevel,
    logSync: flag(env, 'SENTINEL_LOG_SYNC'),
    deletedUserRetentionSeconds: durationOrNever(env, 'SENTINEL_DELETED_USER_RETENTION', 30 * 86_400),
    encryptionKey,
    previousEncryptionKeys,
    metricsToken,
    totpIssuer,
    rateLimitMax: integer(env, 'SENTINEL_RATE_LIMIT_MAX', 30, 0, 1_000_000),
    rateLimitWindowSeconds: duration(env, 'SENTINEL_RATE_LIMIT_WINDOW', 60),
    loginMaxFailures: integer(env, 'SENTINEL_LOGIN_MAX_FAILURES', 10, 0, 1_000_000),
    loginLockoutSeconds: duration(env, 'SENTINEL_LOGIN_LOCKOUT_WINDOW', 15 * 60),
    redisUrl,
    databaseConnectTimeoutSeconds: duration(env, 'SENTINEL_DB_CONNECT_TIMEOUT', 5),
    requestTimeoutSeconds,
    headersTimeoutSeconds,
    keepAliveTimeoutSeconds: duration(env, 'SENTINEL_KEEP_ALIVE_TIMEOUT', 72),
    shutdownGraceSeconds: duration(env, 'SENTINEL_SHUTDOWN_GRACE', 5, 0),
    importBcryptMaxCost: integer(env, 'SENTINEL_IMPORT_BCRYPT_MAX_COST', 14, 4, 31),
    importedHashChecks: {
      // Node reads UV_THREADPOOL_SIZE itself, once, before any JavaScript of ours runs; it cannot be
      // raised from inside the process. Half the pool for bcrypt leaves the other half to argon2id.
      concurrency: Math.max(1, Math.floor(libuvPoolSize(env.UV_THREADPOOL_SIZE) / 2)),
      maxWaiting: 64,
      waitTimeoutMs: 5000,
    },
    publicUrl: publicUrl(read('SENTINEL_PUBLIC_URL') ?? localUrl(read('HOST') ?? '127.0.0.1', integer(env, 'PORT', 3000, 0, 65_535))),
    ...profileLimits(env),
    webhooks: {
      allowHttp: flag(env, 'SENTINEL_WEBHOOKS_ALLOW_HTTP'),
      allowPrivate: flag(env, 'SENTINEL_WEBHOOKS_ALLOW_PRIVATE'),
      timeoutMs: duration(env, 'SENTINEL_WEBHOOKS_TIMEOUT', 10) * 1000,
      retryForSeconds: 24 * 3600,
      backoffBaseMs: 5000,
      backoffMaxMs: 3600 * 1000,
      pollMs: 5000,
      concurrency: 16,
    },
    mail: mailConfig(read('SMTP_URL'), read('SENTINEL_MAIL_FROM')),
    requireVerifiedEmail: flag(env, 'SENTINEL_REQUIRE_VERIFIED_EMAIL'),
  };
  return { ...config, passkeys: passkeyConfig(config.publicUrl, read('SENTINEL_PASSKEY_RP_ID'), read('SENTINEL_PASSKEY_ORIGINS')) };
}

export interface PasskeyConfig {
  rpId: string;
  /** Origins (scheme://host[:port]) allowed beyond the public URL's own and the registered apps' https domains. */
  extraOrigins: string[];
}

/**
 * The relying party ID is the public URL's host unless SENTINEL_PASSKEY_RP_ID names a parent
 * domain of it (so that apps on sibling subdomains can use the same passkeys). Browsers refuse
 * IP addresses as RP IDs: use a name (`localhost` works for local use).
 */
function passkeyConfig(publicUrl: string, rawRpId: string | undefined, rawOrigins: string | undefined): PasskeyConfig {
  const host = new URL(publicUrl).hostname.toLowerCase();
  const rpId = (rawRpId ?? host).toLowerCase();
  // The public URL's host is taken as it is (an IP address there only means browsers will refuse passkeys).
  if (rawRpId !== undefined && !/^[a-z0-9-]+(\.[a-z0-9-]+)*$/.test(rpId)) {
    throw new ConfigError(`SENTINEL_PASSKEY_RP_ID must be a host name, got "${rpId}"`);
  }
  if (host !== rpId && !host.endsWith(`.${rpId}`)) {
    throw new ConfigError(`SENTINEL_PASSKEY_RP_ID must be SENTINEL_PUBLIC_URL's host or a parent domain of it, got "${rpId}"`);
  }
  const extraOrigins = (rawOrigins ?? '')
    .split(',')
    .map((origin) => origin.trim())
    .filter(Boolean)
    .map((origin) => {
      let url: URL;
      try {
        url = new URL(origin);
      } catch {
        throw new ConfigError(`SENTINEL_PASSKEY_ORIGINS must list origins such as https://app.example.com, got "${origin}"`);
      }
      if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.origin !== origin.replace(/\/$/, '')) {
        throw new ConfigError(`SENTINEL_PASSKEY_ORIGINS must list origins such as https://app.example.com, got "${origin}"`);
      }
      return url.origin;
    });
  return { rpId, extraOrigins };
}

/** `true`/`false`, `1`/`0`, `yes`/`no`, `on`/`off` (any case); unset or empty is false. */
function flag(env: Env, name: string): boolean {
  const value = env[name]?.trim().toLowerCase();
  if (value === undefined || value === '' || ['false', '0', 'no', 'off'].includes(value)) return false;
  if (['true', '1', 'yes', 'on'].includes(value)) return true;
  throw new ConfigError(`${name} must be true or false, got "${env[name]}"`);
}

function mailConfig(smtpUrl: string | undefined, from: string | undefined): MailConfig | undefined {
  if (smtpUrl === undefined) return undefined;
  let url: URL | undefined;
  try {
    url = new URL(smtpUrl);
  } catch {
    url = undefined;
  }
  // The URL holds the SMTP password: the message must not repeat it.
  if (!url || (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') || !url.hostname) {
    throw new ConfigError('SMTP_URL must look like smtp://user:pass@host:587 or smtps://user:pass@host:465');
  }
  const sender = from ?? `Sentinel <no-reply@${url.hostname}>`;
  if (/[\r\n]/.test(sender) || !/@[^@\s>]+>?$/.test(sender)) {
    throw new ConfigError(`SENTINEL_MAIL_FROM must be an address like "Example <no-reply@example.com>", got "${sender}"`);
  }
  return { smtpUrl, from: sender, pollMs: 5000, retryBaseMs: 30_000, maxAttempts: 10, sendTimeoutMs: 15_000 };
}

function profileLimits(env: Env): Pick<Config, 'maxProfilesPerUserApp' | 'maxProfileBytesPerUser'> {
  const profileMaxBytes = bytes(env, 'SENTINEL_PROFILE_MAX_BYTES', 256 * 1024);
  const maxProfileBytesPerUser = bytes(env, 'SENTINEL_MAX_PROFILE_BYTES_PER_USER', 64 * 1024 * 1024);
  if (maxProfileBytesPerUser < profileMaxBytes) {
    throw new ConfigError(
      `SENTINEL_MAX_PROFILE_BYTES_PER_USER (${maxProfileBytesPerUser} bytes) must be at least SENTINEL_PROFILE_MAX_BYTES (${profileMaxBytes} bytes)`,
    );
  }
  return {
    maxProfilesPerUserApp: integer(env, 'SENTINEL_MAX_PROFILES_PER_USER_APP', 1000, 1, 10_000_000),
    maxProfileBytesPerUser,
  };
}

/** One of TOKEN_ALGORITHMS, matched regardless of case (`eddsa` is EdDSA). */
function jwtAlgorithm(raw: string | undefined): TokenAlgorithm {
  if (raw === undefined) return 'HS256';
  const algorithm = TOKEN_ALGORITHMS.find((name) => name.toLowerCase() === raw.toLowerCase());
  if (!algorithm) throw new ConfigError(`SENTINEL_JWT_ALGORITHM must be one of ${TOKEN_ALGORITHMS.join(', ')}; got "${raw}"`);
  return algorithm;
}

/** The pool size libuv takes from UV_THREADPOOL_SIZE: 4 when unset, atoi() otherwise, 0 counted as 1, at most 1024. */
function libuvPoolSize(raw: string | undefined): number {
  if (raw === undefined) return 4;
  const size = Number.parseInt(raw.trim(), 10);
  return Math.min(1024, Number.isNaN(size) || size < 1 ? 1 : size);
}

/** Where this process listens, as a client on this machine would call it: http://127.0.0.1:3000 by default. */
function localUrl(host: string, port: number): string {
  const reachable = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${port}`;
}

/** An absolute http(s) URL, with no credentials, query or fragment; a trailing slash is dropped. */
function publicUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`SENTINEL_PUBLIC_URL must be an absolute http:// or https:// URL, got "${raw}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(`SENTINEL_PUBLIC_URL must start with http:// or https://, got "${raw}"`);
  }
  if (url.username || url.password || url.search || url.hash || raw.includes('?') || raw.includes('#')) {
    throw new ConfigError(`SENTINEL_PUBLIC_URL must not hold credentials, a query or a fragment, got "${raw}"`);
  }
  return url.href.replace(/\/+$/, '');
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(`${name} must be a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(`${name} must be between ${min} and ${max}, got ${value}`);
  return value;
}

const DURATION_UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** Seconds, or a number with a unit: `900`, `15m`, `12h`, `30d`. */
function duration(env: Env, name: string, fallback: number, minSeconds = 1): number {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  const match = /^(\d+)([smhd]?)$/.exec(raw);
  if (!match) throw new ConfigError(`${name} must be seconds or a duration like 15m, 12h, 30d; got "${raw}"`);
  const seconds = Number(match[1]) * (DURATION_UNITS[match[2] || 's'] ?? 1);
  if (seconds < minSeconds) throw new ConfigError(`${name} must be at least ${minSeconds} second${minSeconds === 1 ? '' : 's'}`);
  return seconds;
}

/** A duration as duration() reads it, or `0` / `never` for "never" (returned as 0). */
function durationOrNever(env: Env, name: string, fallback: number): number {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === 'never' || (raw !== undefined && /^0+[smhd]?$/.test(raw))) return 0;
  return duration(env, name, fallback);
}

const BYTE_UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  kb: 1024,
  kib: 1024,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  gb: 1024 ** 3,
  gib: 1024 ** 3,
};

/** Bytes, or a number with a unit: `1048576`, `256KiB`, `64MiB`. */
function bytes(env: Env, name: string, fallback: number): number {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  const match = /^(\d+)\s*([a-z]*)$/i.exec(raw);
  const unit = BYTE_UNITS[(match?.[2] ?? '').toLowerCase()];
  if (!match || unit === undefined) throw new ConfigError(`${name} must be bytes or a size like 256KiB, 64MiB; got "${raw}"`);
  const value = Number(match[1]) * unit;
  if (value < 1024) throw new ConfigError(`${name} must be at least 1KiB`);
  return value;
}

/** Ranges @fastify/proxy-addr knows by name. */
const NAMED_PROXY_RANGES = ['loopback', 'linklocal', 'uniquelocal'];
const TRUST_PROXY_CHOICES =
  'false, or the addresses of the proxies in front of Sentinel, comma-separated: IPs, CIDRs (10.0.0.0/8), loopback, linklocal, uniquelocal';

/**
 * SENTINEL_TRUST_PROXY: whose X-Forwarded-For to believe. `true` would believe the client's own
 * left-most entry, and a hop count believes whoever connects directly (Fastify 5 disables both
 * for that reason), so only the proxies' addresses are accepted.
 */
function trustedProxies(raw: string | undefined): false | string[] {
  const value = raw?.toLowerCase();
  if (value === undefined || ['false', '0', 'no', 'off'].includes(value)) return false;
  if (['true', 'yes', 'on'].includes(value)) {
    throw new ConfigError(
      `SENTINEL_TRUST_PROXY=${raw} would take a client's own X-Forwarded-For as its address; set ${TRUST_PROXY_CHOICES}`,
    );
  }
  if (/^\d+$/.test(value)) {
    throw new ConfigError(
      `SENTINEL_TRUST_PROXY=${raw}: a hop count would also believe a client that connects directly; set ${TRUST_PROXY_CHOICES}`,
    );
  }
  const entries = value.split(',').map((entry) => entry.trim());
  const bad = entries.filter((entry) => !NAMED_PROXY_RANGES.includes(entry) && !isAddressOrCidr(entry));
  if (bad.length > 0) throw new ConfigError(`SENTINEL_TRUST_PROXY: "${bad.join('", "')}" is not one of ${TRUST_PROXY_CHOICES}`);
  return entries;
}

function isAddressOrCidr(entry: string): boolean {
  const [address = '', prefix, ...rest] = entry.split('/');
  const family = net.isIP(address);
  if (family === 0 || rest.length > 0) return false;
  return prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128));
}
