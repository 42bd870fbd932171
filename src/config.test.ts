import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, OWASP_ARGON2 } from './config.js';

describe('loadConfig', () => {
  it('has working defaults on a bare environment', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 3000,
      host: '127.0.0.1',
      databaseUrl: undefined,
      apiKey: undefined,
      jwtSecret: undefined,
      accessTokenTtlSeconds: 900,
      refreshTokenTtlSeconds: 30 * 24 * 3600,
      bodyLimitBytes: 1024 * 1024,
      bulkBodyLimitBytes: 64 * 1024 * 1024,
      profileMaxBytes: 256 * 1024,
      argon2: OWASP_ARGON2,
    });
    expect(config.dataDir).toMatch(/\/data$/);
  });

  it('reads durations and sizes with units', () => {
    const config = loadConfig({
      SENTINEL_ACCESS_TOKEN_TTL: '5m',
      SENTINEL_REFRESH_TOKEN_TTL: '7d',
      SENTINEL_BODY_LIMIT: '512KiB',
      SENTINEL_BULK_BODY_LIMIT: '128MiB',
      PORT: '8080',
    });
    expect(config).toMatchObject({
      accessTokenTtlSeconds: 300,
      refreshTokenTtlSeconds: 7 * 86_400,
      bodyLimitBytes: 512 * 1024,
      bulkBodyLimitBytes: 128 * 1024 * 1024,
      port: 8080,
    });
  });

  it.each([
    [{ SENTINEL_JWT_SECRET: 'x'.repeat(31) }, /at least 32 bytes/],
    [{ SENTINEL_API_KEY: 'short' }, /SENTINEL_API_KEY/],
    [{ DATABASE_URL: 'mysql://localhost/db' }, /DATABASE_URL/],
    [{ PORT: 'eighty' }, /PORT must be a whole number/],
    [{ PORT: '70000' }, /PORT must be between/],
    [{ SENTINEL_ACCESS_TOKEN_TTL: '15 minutes' }, /SENTINEL_ACCESS_TOKEN_TTL/],
    [{ SENTINEL_BODY_LIMIT: '10 parsecs' }, /SENTINEL_BODY_LIMIT/],
    [{ SENTINEL_TRUST_PROXY: 'maybe' }, /SENTINEL_TRUST_PROXY/],
    [{ SENTINEL_LOG_LEVEL: 'verbose' }, /SENTINEL_LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent; got "verbose"/],
    [{ SENTINEL_REQUEST_TIMEOUT: '30s', SENTINEL_HEADERS_TIMEOUT: '1m' }, /SENTINEL_HEADERS_TIMEOUT must not be longer/],
    [{ SENTINEL_DB_CONNECT_TIMEOUT: '0' }, /SENTINEL_DB_CONNECT_TIMEOUT must be at least 1 second/],
    [{ SENTINEL_PUBLIC_URL: 'id.example.com' }, /SENTINEL_PUBLIC_URL must be an absolute/],
    [{ SENTINEL_PUBLIC_URL: 'ftp://id.example.com' }, /SENTINEL_PUBLIC_URL must start with http/],
    [{ SENTINEL_PUBLIC_URL: 'https://id.example.com/?tenant=1' }, /SENTINEL_PUBLIC_URL must not hold/],
    [{ SENTINEL_PUBLIC_URL: 'https://id.example.com/#top' }, /SENTINEL_PUBLIC_URL must not hold/],
    [{ SENTINEL_PUBLIC_URL: 'https://user:pass@id.example.com' }, /SENTINEL_PUBLIC_URL must not hold/],
  ])('refuses %o with a message naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('reads the timeouts, with a grace of 0 allowed and a log level in any case', () => {
    expect(loadConfig({})).toMatchObject({
      requestTimeoutSeconds: 60,
      headersTimeoutSeconds: 10,
      keepAliveTimeoutSeconds: 72,
      databaseConnectTimeoutSeconds: 5,
      shutdownGraceSeconds: 5,
      logLevel: 'info',
    });
    expect(loadConfig({ SENTINEL_REQUEST_TIMEOUT: '3', SENTINEL_SHUTDOWN_GRACE: '0', SENTINEL_LOG_LEVEL: 'WARN' })).toMatchObject({
      requestTimeoutSeconds: 3,
      headersTimeoutSeconds: 3,
      shutdownGraceSeconds: 0,
      logLevel: 'warn',
    });
  });

  it('reads SENTINEL_PUBLIC_URL without its trailing slash; unset, it is where this process listens', () => {
    expect(loadConfig({}).publicUrl).toBe('http://127.0.0.1:3000');
    expect(loadConfig({ PORT: '8080', HOST: '0.0.0.0' }).publicUrl).toBe('http://127.0.0.1:8080');
    expect(loadConfig({ PORT: '8080', HOST: '::1' }).publicUrl).toBe('http://[::1]:8080');
    expect(loadConfig({ SENTINEL_PUBLIC_URL: 'https://id.example.com/sentinel/' }).publicUrl).toBe('https://id.example.com/sentinel');
    expect(loadConfig({ SENTINEL_PUBLIC_URL: 'https://ID.example.com' }).publicUrl).toBe('https://id.example.com');
  });

  it('takes the passkey RP ID from SENTINEL_PUBLIC_URL, or a parent domain of its host, and extra origins', () => {
    expect(loadConfig({ SENTINEL_PUBLIC_URL: 'https://auth.example.com' }).passkeys).toEqual({
      rpId: 'auth.example.com',
      extraOrigins: [],
    });
    expect(
      loadConfig({
        SENTINEL_PUBLIC_URL: 'https://auth.example.com',
        SENTINEL_PASSKEY_RP_ID: 'Example.com',
        SENTINEL_PASSKEY_ORIGINS: 'https://app.example.com, https://admin.example.com/',
      }).passkeys,
    ).toEqual({ rpId: 'example.com', extraOrigins: ['https://app.example.com', 'https://admin.example.com'] });
    expect(() => loadConfig({ SENTINEL_PUBLIC_URL: 'https://auth.example.com', SENTINEL_PASSKEY_RP_ID: 'other.com' })).toThrow(ConfigError);
    expect(() => loadConfig({ SENTINEL_PASSKEY_ORIGINS: 'https://app.example.com/path' })).toThrow(/SENTINEL_PASSKEY_ORIGINS/);
  });

  it('reads the per-user profile limits, and refuses a byte limit below one profile', () => {
    expect(loadConfig({})).toMatchObject({ maxProfilesPerUserApp: 1000, maxProfileBytesPerUser: 64 * 1024 * 1024 });
    expect(loadConfig({ SENTINEL_MAX_PROFILES_PER_USER_APP: '50', SENTINEL_MAX_PROFILE_BYTES_PER_USER: '1MiB' })).toMatchObject({
      maxProfilesPerUserApp: 50,
      maxProfileBytesPerUser: 1024 * 1024,
    });
    expect(() => loadConfig({ SENTINEL_MAX_PROFILES_PER_USER_APP: '0' })).toThrow(/SENTINEL_MAX_PROFILES_PER_USER_APP must be between/);
    expect(() => loadConfig({ SENTINEL_MAX_PROFILE_BYTES_PER_USER: '128KiB' })).toThrow(
      /SENTINEL_MAX_PROFILE_BYTES_PER_USER \(131072 bytes\) must be at least SENTINEL_PROFILE_MAX_BYTES/,
    );
  });

  it('reads SENTINEL_TRUST_PROXY as the proxies to believe: none by default, or their addresses', () => {
    expect(loadConfig({}).trustProxy).toBe(false);
    for (const off of ['false', '0', 'off', ' FALSE ']) expect(loadConfig({ SENTINEL_TRUST_PROXY: off }).trustProxy).toBe(false);
    expect(loadConfig({ SENTINEL_TRUST_PROXY: '10.0.0.5, 192.168.0.0/16,2001:db8::/32, ::1, loopback' }).trustProxy).toEqual([
      '10.0.0.5',
      '192.168.0.0/16',
      '2001:db8::/32',
      '::1',
      'loopback',
    ]);
  });

  it.each([
    ['true', /SENTINEL_TRUST_PROXY=true would take a client's own X-Forwarded-For as its address; set false, or the addresses/],
    ['yes', /SENTINEL_TRUST_PROXY=yes would take/],
    ['1', /SENTINEL_TRUST_PROXY=1: a hop count would also believe a client that connects directly; set false, or the addresses/],
    ['2', /a hop count/],
    ['proxy.example.com', /SENTINEL_TRUST_PROXY: "proxy.example.com" is not one of false, or the addresses/],
    ['10.0.0.0/33', /"10.0.0.0\/33" is not one of/],
    ['10.0.0.1,,10.0.0.2', /"" is not one of/],
    ['10.0.0.0/8/1', /is not one of/],
  ])('refuses SENTINEL_TRUST_PROXY=%s with a line naming the choices', (value, message) => {
    expect(() => loadConfig({ SENTINEL_TRUST_PROXY: value })).toThrow(ConfigError);
    expect(() => loadConfig({ SENTINEL_TRUST_PROXY: value })).toThrow(message);
  });

  it('accepts a JWT secret of exactly 32 bytes', () => {
    expect(loadConfig({ SENTINEL_JWT_SECRET: 'x'.repeat(32) }).jwtSecret).toHaveLength(32);
  });

  it('reads SENTINEL_JWT_ALGORITHM regardless of case, HS256 by default, and refuses others', () => {
    expect(loadConfig({}).jwtAlgorithm).toBe('HS256');
    expect(loadConfig({ SENTINEL_JWT_ALGORITHM: 'eddsa' }).jwtAlgorithm).toBe('EdDSA');
    expect(loadConfig({ SENTINEL_JWT_ALGORITHM: 'ES256' }).jwtAlgorithm).toBe('ES256');
    expect(loadConfig({ SENTINEL_JWT_ALGORITHM: 'rs256' }).jwtAlgorithm).toBe('RS256');
    expect(() => loadConfig({ SENTINEL_JWT_ALGORITHM: 'none' })).toThrow(/must be one of HS256, EdDSA, ES256, RS256; got "none"/);
    expect(() => loadConfig({ SENTINEL_JWT_ALGORITHM: 'HS512' })).toThrow(ConfigError);
  });
});
