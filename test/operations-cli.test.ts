import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { apiKeyFile } from '../src/modules/system/instance-secrets.js';
import { cliEnv, commandDatabase, runCli, startServer, tempDir } from './helpers/cli.js';
import { enrollTotpUser, post } from './helpers/served.js';
import { testEngine } from './helpers/database.js';

/*
 * Key rotations and backups as an operator runs them: separate processes, next to a running
 * `sentinel serve`, on PGlite (through the server's socket) or PostgreSQL.
 */
const database = commandDatabase();

const engineEnv = (dir: string, extra: Record<string, string> = {}) =>
  cliEnv({ SENTINEL_DATA_DIR: dir, DATABASE_URL: database.url(), ...extra });

describe('sentinel api-key rotate', { timeout: 120_000 }, () => {
  // Threat: a leaked bootstrap key that keeps working after the operator replaced it.
  it('replaces the generated key while servers run: the old key stops working at once, the new one is in the key file (mode 600)', async () => {
    const dir = tempDir();
    const server = await startServer(engineEnv(dir));
    try {
      const file = apiKeyFile({ dataDir: dir, databaseUrl: database.url() });
      const oldKey = fs.readFileSync(file, 'utf8').trim();
      const register = (key: string, name: string) =>
        post(
          `${server.url}/auth/register`,
          { user_info: { username: name, email: `${name}@example.com` }, password: 'long enough password' },
          { 'x-api-key': key },
        );
      expect((await register(oldKey, 'before')).status).toBe(201);

      const rotated = await runCli(['api-key', 'rotate'], engineEnv(dir));
      expect(rotated.stderr).toBe('');
      expect(rotated.code).toBe(0);
      expect(rotated.stdout).toBe(`New bootstrap API key written to ${file}; the old key no longer works\n`);
      const newKey = fs.readFileSync(file, 'utf8').trim();
      expect(newKey).not.toBe(oldKey);
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);

      expect((await register(oldKey, 'afterold')).status).toBe(401);
      expect((await register(newKey, 'afternew')).status).toBe(201);
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });

  it('refuses when the key comes from SENTINEL_API_KEY, which only its owner can change', async () => {
    const result = await runCli(['api-key', 'rotate'], engineEnv(tempDir(), { SENTINEL_API_KEY: 'sk_configured_key_0123456789' }));
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('sentinel: the bootstrap key comes from SENTINEL_API_KEY: set a new value there and restart each server\n');
  });
});

describe('sentinel encryption-key rotate', { timeout: 240_000 }, () => {
  // Threat: a leaked encryption key (with a database dump) opening TOTP secrets after the rotation.
  it('re-encrypts TOTP secrets and private signing keys under a new generated key while the server runs, then under SENTINEL_ENCRYPTION_KEY; TOTP logins keep working', async () => {
    const dir = tempDir();
    const key = 'sk_encryption_test_key_0123456789';
    // EdDSA: a private signing key is sealed too, and a restarted server must still open it to sign.
    let server = await startServer(engineEnv(dir, { SENTINEL_API_KEY: key, SENTINEL_JWT_ALGORITHM: 'EdDSA' }));
    let otpLogin: (offset: number) => Promise<{ status: number; body: any }>;
    try {
      otpLogin = await enrollTotpUser(() => server.url, key);
      const rotated = await runCli(['encryption-key', 'rotate'], engineEnv(dir));
      expect(rotated.code).toBe(0);
      expect(rotated.stdout).toBe('Re-encrypted 2 secrets (TOTP secrets, private signing keys) under the new key\n');
      // The running server learned the new key without a restart.
      expect((await otpLogin(0)).status).toBe(200);
    } finally {
      expect(await server.stop()).toBe(0);
    }

    // Taking the key into the environment: every server gets SENTINEL_ENCRYPTION_KEY; the command re-encrypts and forgets the generated keys.
    const configured = {
      SENTINEL_API_KEY: key,
      SENTINEL_ENCRYPTION_KEY: 'a configured encryption key of 32+ bytes',
      SENTINEL_JWT_ALGORITHM: 'EdDSA',
    };
    const adopted = await runCli(['encryption-key', 'rotate'], engineEnv(dir, configured));
    expect(adopted.code).toBe(0);
    expect(adopted.stdout).toBe('Re-encrypted 2 secrets (TOTP secrets, private signing keys) under the new key\n');
    server = await startServer(engineEnv(dir, configured));
    try {
      const session = await otpLogin(1);
      expect(session.status).toBe(200);
      const header = JSON.parse(Buffer.from(session.body.token.split('.')[0], 'base64url').toString('utf8'));
      expect(header.alg).toBe('EdDSA');
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });
});

describe('sentinel backup', { timeout: 180_000 }, () => {
  it.runIf(testEngine === 'pglite')(
    'copies the data directory while the server runs; a server started on the copy has the same users',
    async () => {
      const dir = tempDir();
      const env = engineEnv(dir, { SENTINEL_API_KEY: 'sk_backup_test_key_0123456789' });
      const server = await startServer(env);
      const headers = { 'x-api-key': 'sk_backup_test_key_0123456789' };
      const copy = path.join(tempDir(), 'backup');
      try {
        for (const name of ['kept1', 'kept2']) {
          expect(
            (
              await post(
                `${server.url}/auth/register`,
                { user_info: { username: name, email: `${name}@example.com` }, password: 'long enough password' },
                headers,
              )
            ).status,
          ).toBe(201);
        }
        // What a backup killed halfway leaves behind: the next one starts again from nothing.
        fs.mkdirSync(path.join(copy, 'pglite.partial', 'base'), { recursive: true });
        fs.writeFileSync(path.join(copy, 'pglite.partial', 'base', 'torn'), 'half a file');
        const backup = await runCli(['backup', copy], env);
        expect(backup.stderr).toBe('');
        expect(backup.code).toBe(0);
        expect(backup.stdout).toMatch(
          /^Backed up .* \(while sentinel serve \(process \d+\) was running\); start from it with SENTINEL_DATA_DIR=/,
        );
        // The server went on serving after the copy.
        expect(
          (
            await post(
              `${server.url}/auth/register`,
              { user_info: { username: 'later', email: 'later@example.com' }, password: 'long enough password' },
              headers,
            )
          ).status,
        ).toBe(201);
      } finally {
        expect(await server.stop()).toBe(0);
      }
      expect(fs.statSync(copy).mode & 0o777).toBe(0o700);
      // No torn copy left beside the whole one (SENTINEL_API_KEY is set: no key file to copy).
      expect(fs.readdirSync(copy)).toEqual(['pglite']);

      const restored = await startServer({ ...env, SENTINEL_DATA_DIR: copy });
      try {
        const login = (email: string) => post(`${restored.url}/auth/login`, { email, password: 'long enough password' }, headers);
        expect((await login('kept1@example.com')).status).toBe(200);
        expect((await login('kept2@example.com')).status).toBe(200);
        expect((await login('later@example.com')).status).toBe(401);
      } finally {
        expect(await restored.stop()).toBe(0);
      }
    },
  );

  it('refuses a destination that is not empty, and points to pg_dump on PostgreSQL', async () => {
    const dir = tempDir();
    const full = tempDir();
    fs.writeFileSync(path.join(full, 'something'), 'x');
    const result = await runCli(['backup', full], engineEnv(dir));
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      testEngine === 'postgres'
        ? 'sentinel: on PostgreSQL, back up with pg_dump: pg_dump --format=custom --file=sentinel.dump "$DATABASE_URL"\n'
        : `sentinel: ${full} is not empty: back up into a new or empty directory\n`,
    );
  });
});
