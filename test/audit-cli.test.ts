import { sql } from 'drizzle-orm';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, queryRows, type Database } from '../src/db/client.js';
import { lockDataDir } from '../src/db/data-dir-lock.js';
import { cliEnv, runCli, tempDir } from './helpers/cli.js';
import { createTestDatabase, testEngine, type TestDatabase } from './helpers/database.js';

/* `sentinel audit tail` as an operator runs it: a separate process on a data directory or DATABASE_URL. */
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const actor = randomUUID();
const target = randomUUID();
let dir: string;
let postgres: TestDatabase | undefined;

/** Opens the command's database from this process (PGlite: only while no command runs). */
async function withDatabase<T>(work: (database: Database) => Promise<T>): Promise<T> {
  const database = postgres ? await openDatabase({ url: postgres.url }) : await openDatabase({ pgliteDir: path.join(dir, 'pglite') });
  try {
    await database.migrate();
    return await work(database);
  } finally {
    await database.close();
  }
}

const insert = (database: Database, action: string, extra: { ip?: string; userAgent?: string; detail?: unknown; appId?: number } = {}) =>
  queryRows(
    database.db,
    sql`INSERT INTO audit_events (action, actor_user_id, target_user_id, app_id, ip, user_agent, detail)
        VALUES (${action}, ${actor}, ${target}, ${extra.appId ?? null}, ${extra.ip ?? '192.0.2.10'}, ${extra.userAgent ?? null}, ${JSON.stringify(extra.detail ?? {})}::jsonb)`,
  );

beforeAll(async () => {
  dir = tempDir();
  if (testEngine === 'postgres') postgres = await createTestDatabase();
  if (postgres) await postgres.database.close();
  await withDatabase(async (database) => {
    await insert(database, 'login.failed', { detail: { reason: 'wrong_password' } });
    await insert(database, 'login.succeeded', { appId: 3 });
    await insert(database, 'operator.user_deleted', { detail: { sessions_ended: 2 } });
    await insert(database, 'login.succeeded', {
      ip: '\u001b[31mevil\u001b[0m',
      userAgent: 'x\u009b2J',
      detail: { note: 'bell\u0007 \u202e' },
    });
  });
});
afterAll(async () => {
  if (postgres) await postgres.drop().catch(() => {});
});

const env = () => cliEnv({ SENTINEL_DATA_DIR: dir, DATABASE_URL: postgres?.url });

describe('sentinel audit tail', () => {
  it('prints the most recent events, oldest first, one readable line each', async () => {
    const result = await runCli(['audit', 'tail', '-n', '3'], env());
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(
      new RegExp(
        `^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z login\\.succeeded +actor=${actor} target=${target} ip=192\\.0\\.2\\.10 app=3$`,
      ),
    );
    expect(lines[1]).toContain(`operator.user_deleted`);
    expect(lines[1]).toMatch(/ip=192\.0\.2\.10 \{"sessions_ended":2\}$/);
    // Client-controlled text cannot reach the terminal as control or bidi characters.
    expect(lines[2]).toContain('ip=\\u001b[31mevil\\u001b[0m');
    expect(lines[2]).toContain('\\u0007');
    expect(lines[2]).toContain('\\u202e');
    expect(result.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/);
  });

  it('filters by action (prefixes with *) and prints JSON lines with --json', async () => {
    const result = await runCli(['audit', 'tail', '--action', 'login.*', '--action', 'nothing.else', '--json', '--actor', actor], env());
    expect(result.code).toBe(0);
    const events = result.stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(events.map((event) => event.action)).toEqual(['login.failed', 'login.succeeded', 'login.succeeded']);
    expect(events[0]).toMatchObject({ actor_user_id: actor, target_user_id: target, detail: { reason: 'wrong_password' } });
    expect(events[2].user_agent).toBe('x\u009b2J');
  });

  it('refuses bad options with a one-line message and exit code 1', async () => {
    const cases = [
      ['--actor', 'bob'],
      ['-n', '0'],
      ['--action', "x'; DROP TABLE users"],
      ['--interval', 'soon'],
    ];
    // Refused before the database is opened, so they can run side by side.
    const results = await Promise.all(cases.map((args) => runCli(['audit', 'tail', ...args], env())));
    results.forEach((result, i) => {
      expect(result.code, cases[i]!.join(' ')).toBe(1);
      expect(result.stderr).toMatch(/^sentinel: .+\n$/);
    });
  });

  it('keeps printing new events with --follow and stops cleanly on SIGTERM', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'audit', 'tail', '-n', '1', '--follow', '--interval', '0.2'], {
      cwd: ROOT,
      env: env(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const waitFor = async (predicate: () => boolean) => {
      for (let i = 0; i < 200 && !predicate(); i++) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(predicate(), `stdout: ${stdout}\nstderr: ${stderr}`).toBe(true);
    };
    try {
      await waitFor(() => stdout.split('\n').length > 1);
      expect(stdout.trimEnd().split('\n')).toHaveLength(1);
      if (postgres) {
        // Another process records events while the tail runs.
        await withDatabase(async (database) => {
          await insert(database, 'operator.user_restored');
          await insert(database, 'operator.user_purged');
        });
        await waitFor(() => stdout.includes('operator.user_purged'));
        expect(
          stdout
            .trimEnd()
            .split('\n')
            .map((line) => line.split(' ')[1]),
        ).toEqual(['login.succeeded', 'operator.user_restored', 'operator.user_purged']);
      } else {
        // PGlite allows one process on the data directory: the tail holds it while it runs.
        expect(fs.existsSync(path.join(dir, 'sentinel.lock'))).toBe(true);
      }
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(stderr).toBe('');
    expect(fs.existsSync(path.join(dir, 'sentinel.lock'))).toBe(false);
  });

  // Next to a running server it runs through the server's socket: test/shared-pglite.test.ts.
  it('next to another command: on PGlite names the process holding the data directory, on PostgreSQL just runs', async () => {
    const lock = lockDataDir(dir, 'import');
    try {
      const result = await runCli(['audit', 'tail', '-n', '1'], env());
      if (testEngine === 'pglite') {
        expect(result.code).toBe(1);
        expect(result.stderr).toContain(`in use by process ${process.pid} (sentinel import`);
        expect(result.stdout).toBe('');
      } else {
        expect(result.code).toBe(0);
        expect(result.stdout.trimEnd().split('\n')).toHaveLength(1);
      }
    } finally {
      lock.release();
    }
  });
});
