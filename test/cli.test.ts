import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lockDataDir } from '../src/db/data-dir-lock.js';
import { apiKeyFile } from '../src/modules/system/instance-secrets.js';
import { cliEnv, runCli, startServer, tempDir, type CliResult } from './helpers/cli.js';
import { createTestDatabase, testEngine, type TestDatabase } from './helpers/database.js';

/*
 * The `sentinel` command as an operator runs it: separate processes, a real data directory
 * (PGlite) or DATABASE_URL (PostgreSQL, when TEST_DATABASE_URL is set).
 */
let postgres: TestDatabase | undefined;
beforeAll(async () => {
  if (testEngine === 'postgres') {
    postgres = await createTestDatabase();
    // The commands migrate for themselves; this connection only held the database open.
    await postgres.database.close();
  }
});
afterAll(async () => {
  if (postgres) await postgres.drop().catch(() => {});
});

const engineEnv = (dataDir: string, extra: Record<string, string> = {}) =>
  cliEnv({ SENTINEL_DATA_DIR: dataDir, DATABASE_URL: postgres?.url, ...extra });

// Generous timeouts: each case starts processes, and a loaded machine can take long to start tsx.
describe('sentinel migrate', { timeout: 120_000 }, () => {
  it('migrates a fresh data directory, and again with nothing to do', async () => {
    const dir = tempDir();
    for (let run = 0; run < 2; run++) {
      const result = await runCli(['migrate'], engineEnv(dir));
      expect(result.stderr).toContain('Database is up to date');
      expect(result.code).toBe(0);
    }
    if (testEngine === 'pglite') expect(fs.existsSync(path.join(dir, 'pglite'))).toBe(true);
    // The lock is released when the command ends.
    expect(fs.existsSync(path.join(dir, 'sentinel.lock'))).toBe(false);
  });

  // A running `sentinel serve` shares the directory instead: test/shared-pglite.test.ts.
  it('stops with a message naming the command that holds the data directory, touching nothing', async () => {
    const dir = tempDir();
    const lock = lockDataDir(dir, 'import');
    try {
      const result = await runCli(['migrate'], cliEnv({ SENTINEL_DATA_DIR: dir }));
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`in use by process ${process.pid} (sentinel import`);
      expect(fs.existsSync(path.join(dir, 'pglite'))).toBe(false);
    } finally {
      lock.release();
    }
  });

  it('takes over a lock left by a process that no longer runs', async () => {
    const dir = tempDir();
    fs.writeFileSync(
      path.join(dir, 'sentinel.lock'),
      JSON.stringify({ pid: 2 ** 22 + 1, command: 'serve', host: (await import('node:os')).hostname(), started_at: 'earlier' }),
    );
    const result = await runCli(['migrate'], cliEnv({ SENTINEL_DATA_DIR: dir }));
    expect(result.code).toBe(0);
  });
});

describe('sentinel operator create', { timeout: 120_000 }, () => {
  it('reads the password from standard input and prints the new operator id', async () => {
    const dir = tempDir();
    const result = await runCli(
      ['operator', 'create', '--email', 'root@example.com', '--username', 'root'],
      engineEnv(dir, { SENTINEL_API_KEY: 'sk_cli_test_key_1234567890' }),
      'a long operator password\n',
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const id = result.stdout.trim();
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);

    // The operator can log in through a server started on the same data.
    const server = await startServer(engineEnv(dir, { SENTINEL_API_KEY: 'sk_cli_test_key_1234567890' }));
    try {
      const login = await fetch(`${server.url}/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': 'sk_cli_test_key_1234567890' },
        body: JSON.stringify({ email: 'root@example.com', password: 'a long operator password' }),
      });
      expect(login.status).toBe(200);
      expect(((await login.json()) as { user: unknown }).user).toMatchObject({ user_id: id, operator: true });
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });

  it('refuses a short password and a bad email with a clear message, creating nobody', async () => {
    const dir = tempDir();
    const short = await runCli(['operator', 'create', '--email', 'a@example.com', '--username', 'admin'], engineEnv(dir), 'short\n');
    expect(short.code).toBe(1);
    expect(short.stderr).toMatch(/password must NOT have fewer than 8 characters/);
    const badEmail = await runCli(
      ['operator', 'create', '--email', 'nope', '--username', 'admin'],
      engineEnv(dir),
      'long enough password\n',
    );
    expect(badEmail.code).toBe(1);
    expect(badEmail.stderr).toMatch(/email must match format "email"/);
  });

  it('refuses a taken email with the API error, not a database error', async () => {
    const dir = tempDir();
    const args = ['operator', 'create', '--email', 'twice@example.com', '--username'];
    expect((await runCli([...args, 'first'], engineEnv(dir), 'long enough password\n')).code).toBe(0);
    const again = await runCli([...args, 'second'], engineEnv(dir), 'long enough password\n');
    expect(again.code).toBe(1);
    expect(again.stderr).toBe('sentinel: Another account already uses this email\n');
  });
});

describe('sentinel serve', { timeout: 120_000 }, () => {
  it('generates an API key and a JWT secret once, keeps them across a restart, and never prints the JWT secret', async () => {
    const dir = tempDir();
    // A database never started before: the key is generated by the first process on it.
    const fresh = testEngine === 'postgres' ? await createTestDatabase() : undefined;
    await fresh?.database.close();
    const env = cliEnv({ SENTINEL_DATA_DIR: dir, DATABASE_URL: fresh?.url, SENTINEL_LOG_LEVEL: 'info' });
    const first = await startServer(env);
    // One key file per database: PGlite's is bootstrap-api-key, a PostgreSQL database's names it.
    const keyFile = apiKeyFile({ dataDir: dir, databaseUrl: fresh?.url });
    let token: string;
    try {
      expect(first.output()).toContain(keyFile);
      expect(fs.statSync(keyFile).mode & 0o777).toBe(0o600);
      const apiKey = fs.readFileSync(keyFile, 'utf8').trim();
      const headers = { 'content-type': 'application/json', 'x-api-key': apiKey };
      const register = await fetch(`${first.url}/auth/register`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ user_info: { username: 'kept', email: 'kept@example.com' }, password: 'kept password' }),
      });
      expect(register.status).toBe(201);
      const login = await fetch(`${first.url}/auth/login`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ email: 'kept@example.com', password: 'kept password' }),
      });
      token = ((await login.json()) as { token: string }).token;
    } finally {
      expect(await first.stop()).toBe(0);
    }
    expect(fs.existsSync(path.join(dir, 'sentinel.lock'))).toBe(false);

    const second = await startServer(env);
    try {
      const verify = await fetch(`${second.url}/auth/verify`, { headers: { authorization: `Bearer ${token}` } });
      expect(verify.status).toBe(200);
      expect(second.output()).toContain(`Bootstrap API key: in ${keyFile}`);
      expect(first.output() + second.output()).not.toMatch(/jwt_secret|JWT secret:/i);
    } finally {
      await second.stop();
      await fresh?.drop();
    }
  });

  it('refuses to start with a JWT secret shorter than 32 bytes', async () => {
    const result = await runCli(['serve'], engineEnv(tempDir(), { SENTINEL_JWT_SECRET: 'too-short-secret' }));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('SENTINEL_JWT_SECRET is 16 bytes; it must be at least 32 bytes');
  });
});

/* An operator's mistakes at start get one line saying what to fix, and exit 1: no stack trace. */
describe.concurrent('sentinel serve: startup failures in one line', { timeout: 120_000 }, () => {
  const oneLine = (result: CliResult, line: string | RegExp) => {
    expect(result.code).toBe(1);
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(typeof line === 'string' ? new RegExp(`^sentinel: ${escapeRegExp(line)}\n$`) : line);
  };

  it('DATABASE_URL pointing at a closed port', async () => {
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as net.AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const result = await runCli(
      ['serve'],
      cliEnv({ SENTINEL_DATA_DIR: tempDir(), DATABASE_URL: `postgres://sentinel:secret@127.0.0.1:${port}/sentinel` }),
    );
    oneLine(result, `cannot connect to PostgreSQL at 127.0.0.1:${port}/sentinel: connection refused (is the server running?)`);
    expect(result.stderr).not.toContain('secret');
  });

  it.runIf(testEngine === 'postgres')('DATABASE_URL with a role PostgreSQL refuses', async () => {
    const url = new URL(postgres!.url!);
    url.username = 'sentinel_no_such_role';
    url.password = 'secret';
    const result = await runCli(['serve'], cliEnv({ SENTINEL_DATA_DIR: tempDir(), DATABASE_URL: url.toString() }));
    oneLine(result, /^sentinel: PostgreSQL at .+ refused the login: .*sentinel_no_such_role.*\n$/);
    expect(result.stderr).not.toContain('secret');
  });

  it('PORT already in use', async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as net.AddressInfo).port;
    try {
      const result = await runCli(['serve'], engineEnv(tempDir(), { PORT: String(port), HOST: '127.0.0.1' }));
      oneLine(result, `port ${port} on 127.0.0.1 is already in use: stop the other server or set PORT to a free port`);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });

  it('an unknown SENTINEL_LOG_LEVEL', async () => {
    const result = await runCli(['serve'], engineEnv(tempDir(), { SENTINEL_LOG_LEVEL: 'verbose' }));
    oneLine(result, 'SENTINEL_LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent; got "verbose"');
  });

  it('SENTINEL_TRUST_PROXY=true, which would believe any X-Forwarded-For', async () => {
    const result = await runCli(['serve'], engineEnv(tempDir(), { SENTINEL_TRUST_PROXY: 'true' }));
    oneLine(
      result,
      "SENTINEL_TRUST_PROXY=true would take a client's own X-Forwarded-For as its address; set false, or the addresses of the proxies in front of Sentinel, comma-separated: IPs, CIDRs (10.0.0.0/8), loopback, linklocal, uniquelocal",
    );
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
