import fs from 'node:fs';
import path from 'node:path';
import { decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SOCKET_NAME } from '../src/db/pglite-socket.js';
import { scenarioCsv } from './fixtures/import/scenario.js';
import { cliEnv, runCli, startServer, tempDir } from './helpers/cli.js';
import { testEngine } from './helpers/database.js';
import { within } from './helpers/eventually.js';

/*
 * The embedded default as a new user meets it: `npm start` in one terminal, `sentinel`
 * commands in a second one, on the same data directory. PGlite allows one process per data
 * directory, so the server shares its database on a Unix socket and the commands go through
 * it. (PGlite's feature: this file runs once, in the PGlite pass.)
 */
const API_KEY = 'sk_shared_pglite_test_key_0123';
let dir: string;
let server: Awaited<ReturnType<typeof startServer>>;
const env = (extra: Record<string, string> = {}) =>
  cliEnv({ SENTINEL_DATA_DIR: dir, SENTINEL_API_KEY: API_KEY, SENTINEL_JWT_ALGORITHM: 'EdDSA', ...extra });

const login = (email: string, password: string) =>
  fetch(`${server.url}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': API_KEY },
    body: JSON.stringify({ email, password }),
  });

/** Every file and folder under `root` that its group or others may use. */
function openToOthers(root: string): string[] {
  const found: string[] = [];
  const walk = (file: string) => {
    const stat = fs.lstatSync(file);
    if ((stat.mode & 0o077) !== 0) found.push(`${file} ${(stat.mode & 0o777).toString(8)}`);
    if (stat.isDirectory()) for (const name of fs.readdirSync(file)) walk(path.join(file, name));
  };
  walk(root);
  return found;
}

describe.runIf(testEngine === 'pglite')('sentinel commands next to a running sentinel serve on PGlite', { timeout: 120_000 }, () => {
  beforeAll(async () => {
    // Threat: a local user reading the database files (they hold the JWT secret). A data
    // directory made by hand with 755, and a file in it others can read, are made private at start.
    dir = tempDir();
    fs.chmodSync(dir, 0o755);
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'made by hand\n', { mode: 0o644 });
    fs.chmodSync(path.join(dir, 'notes.txt'), 0o644);
    server = await startServer(env({ SENTINEL_LOG_LEVEL: 'info' }));
  });
  afterAll(async () => {
    if (server) expect(await server.stop()).toBe(0);
  });

  it('shares the database on a socket only its owner can use, and keeps every file private', () => {
    const socket = path.join(dir, SOCKET_NAME);
    expect(fs.statSync(socket).isSocket()).toBe(true);
    expect(fs.statSync(socket).mode & 0o077).toBe(0);
    expect(openToOthers(dir)).toEqual([]);
    expect(server.output()).toContain(`use this server's database through ${socket}`);
  });

  it('creates an operator while the server runs, who can log in through that server at once', async () => {
    const created = await runCli(
      ['operator', 'create', '--email', 'second-terminal@example.com', '--username', 'second'],
      env(),
      'operator password\n',
    );
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    const response = await login('second-terminal@example.com', 'operator password');
    expect(response.status).toBe(200);
    expect(((await response.json()) as { user: unknown }).user).toMatchObject({ user_id: created.stdout.trim(), operator: true });
  });

  it('imports users while the server serves logins, and the server logs them in at once', async () => {
    const scenario = scenarioCsv(300, 100, 'shared');
    const file = path.join(tempDir(), 'users.csv');
    fs.writeFileSync(file, scenario.text);
    // The server keeps answering while the import writes through its socket.
    let answered = 0;
    let importing = true;
    const traffic = (async () => {
      while (importing) {
        const health = await fetch(`${server.url}/health`);
        expect(health.status).toBe(200);
        answered += 1;
      }
    })();
    const imported = await runCli(['import', '--batch-size', '50', file], env()).finally(() => (importing = false));
    await traffic;
    expect(imported.stderr).toBe('');
    expect(imported.code).toBe(0);
    expect(imported.stdout).toMatch(/^Imported 297 of 300 rows, skipped 3/);
    expect(answered).toBeGreaterThan(0);
    for (const sample of scenario.samples) expect((await login(sample.email, sample.password)).status).toBe(200);
  });

  it('runs read commands and migrate against the served database', async () => {
    const migrate = await runCli(['migrate'], env());
    expect(migrate.code).toBe(0);
    expect(migrate.stderr).toContain('Database is up to date');
    const tail = await runCli(['audit', 'tail', '-n', '500', '--json'], env());
    expect(tail.code).toBe(0);
    const actions = tail.stdout
      .trimEnd()
      .split('\n')
      .map((line) => (JSON.parse(line) as { action: string }).action);
    expect(actions).toContain('user.registered');
    expect(actions).toContain('users.imported');
  });

  it('signs with a key that `sentinel keys rotate` made in the second terminal within a second, not at the next poll', async () => {
    // The kid of a fresh token (the JWKS route reads the keys afresh itself, so it would not tell).
    const signer = async () => {
      const response = await login('second-terminal@example.com', 'operator password');
      return decodeProtectedHeader(((await response.json()) as { token: string }).token).kid;
    };
    // Twice: the server also polls every 5 s, and one rotation could land just before a poll.
    for (let round = 0; round < 2; round += 1) {
      const rotated = await runCli(['keys', 'rotate'], env());
      expect(rotated.code).toBe(0);
      const kid = rotated.stdout.trim();
      expect(await within(1000, async () => (await signer()) === kid)).toBe(true);
    }
  });

  it('still refuses a second server on the same data directory', async () => {
    const second = await runCli(['serve'], env({ PORT: '0' }));
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/in use by process \d+ \(sentinel serve/);
  });
});
