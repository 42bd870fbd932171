import { decodeProtectedHeader } from 'jose';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliEnv, runCli, startServer, tempDir } from './helpers/cli.js';
import { createTestDatabase, testEngine, type TestDatabase } from './helpers/database.js';

/* `sentinel keys rotate` and `keys list` as an operator runs them: separate processes on a data directory or DATABASE_URL. */
const API_KEY = 'sk_cli_keys_test_0123456789abcdef';
let dir: string;
let postgres: TestDatabase | undefined;

beforeAll(async () => {
  dir = tempDir();
  if (testEngine === 'postgres') {
    postgres = await createTestDatabase();
    await postgres.database.close();
  }
});
afterAll(async () => {
  fs.rmSync(dir, { recursive: true, force: true });
  if (postgres) await postgres.drop().catch(() => {});
});

const env = (algorithm: string) =>
  cliEnv({ SENTINEL_DATA_DIR: dir, DATABASE_URL: postgres?.url, SENTINEL_API_KEY: API_KEY, SENTINEL_JWT_ALGORITHM: algorithm });

async function loginKid(url: string, email: string): Promise<string | undefined> {
  const response = await fetch(`${url}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': API_KEY },
    body: JSON.stringify({ email, password: 'correct horse battery' }),
  });
  return decodeProtectedHeader(((await response.json()) as { token: string }).token).kid;
}

describe('sentinel keys', () => {
  it('refuses to rotate under HS256, naming the setting to change', async () => {
    const result = await runCli(['keys', 'rotate'], env('HS256'));
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/SENTINEL_JWT_ALGORITHM/);
  });

  it('rotate prints the new kid; list shows it active and the replaced keys retiring', async () => {
    const first = await runCli(['keys', 'rotate'], env('EdDSA'));
    expect(first.code, first.stderr).toBe(0);
    const second = await runCli(['keys', 'rotate'], env('EdDSA'));
    expect(second.code, second.stderr).toBe(0);
    const [kid1, kid2] = [first.stdout.trim(), second.stdout.trim()];
    expect(kid2).not.toBe(kid1);
    expect(second.stderr).toContain(`${kid1} verifies the tokens it signed until`);

    const list = await runCli(['keys', 'list'], env('EdDSA'));
    const rows = list.stdout
      .trim()
      .split('\n')
      .map((line) => line.split('\t').slice(0, 3));
    expect(rows).toEqual([
      [kid2, 'EdDSA', 'active'],
      [kid1, 'EdDSA', 'retiring'],
      ['hs256', 'HS256', 'retiring'],
    ]);
  });

  it('a server then signs with the key the command made, and follows a rotation made while it runs (on PGlite, through its socket)', async () => {
    const before = (await runCli(['keys', 'list'], env('EdDSA'))).stdout.split('\t')[0];
    const server = await startServer(env('EdDSA'));
    try {
      const email = 'ada@example.com';
      await fetch(`${server.url}/auth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': API_KEY },
        body: JSON.stringify({ user_info: { username: 'ada', email }, password: 'correct horse battery' }),
      });
      expect(await loginKid(server.url, email)).toBe(before);

      const rotated = await runCli(['keys', 'rotate'], env('EdDSA'));
      expect(rotated.code, rotated.stderr).toBe(0);
      // The server hears of it by NOTIFY a moment after the command commits, or by its poll (5 s).
      const deadline = Date.now() + 7000;
      let kid = await loginKid(server.url, email);
      while (kid !== rotated.stdout.trim() && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 400)); // under the per-address login limit
        kid = await loginKid(server.url, email);
      }
      expect(kid).toBe(rotated.stdout.trim());
    } finally {
      await server.stop();
    }
  });
});
