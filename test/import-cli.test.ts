import { sql } from 'drizzle-orm';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, queryRows } from '../src/db/client.js';
import { BCRYPT, scenarioCsv, scenarioJsonLines } from './fixtures/import/scenario.js';
import { cliEnv, runCli, tempDir } from './helpers/cli.js';
import { createTestDatabase, testEngine, type TestDatabase } from './helpers/database.js';

/*
 * `sentinel import` as an operator runs it: a separate process on a PGlite data directory,
 * or on DATABASE_URL (PostgreSQL, when TEST_DATABASE_URL is set).
 */
let postgres: TestDatabase | undefined;
/** One data directory for the file: creating a PGlite database costs seconds. Each test imports its own users. */
let dataDir: string;
beforeAll(async () => {
  dataDir = tempDir();
  if (testEngine === 'postgres') {
    postgres = await createTestDatabase();
    await postgres.database.close();
  }
});
afterAll(async () => {
  if (postgres) await postgres.drop().catch(() => {});
});

const engineEnv = () => cliEnv({ SENTINEL_DATA_DIR: dataDir, DATABASE_URL: postgres?.url });

/** Reads the database the command wrote, once the command has ended (PGlite allows one process). */
async function query<T>(statement: ReturnType<typeof sql>): Promise<T[]> {
  const database = await openDatabase(postgres ? { url: postgres.url } : { pgliteDir: path.join(dataDir, 'pglite') });
  try {
    return await queryRows<T>(database.db, statement);
  } finally {
    await database.close();
  }
}

const reportLines = (file: string) => fs.readFileSync(file, 'utf8').trimEnd().split('\n');

describe('sentinel import', () => {
  it('imports a CSV, reports each bad row by line in a file beside it, and imports nothing new on a re-run', async () => {
    const dir = tempDir();
    const scenario = scenarioCsv(500, 100, 'cli');
    const file = path.join(dir, 'users.csv');
    fs.writeFileSync(file, scenario.text);

    const first = await runCli(['import', file], engineEnv());
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const reportFile = path.join(dir, 'users.skipped.csv');
    expect(first.stdout).toMatch(
      new RegExp(`^Imported 495 of 500 rows, skipped 5 \\(.*lines in ${reportFile}\\); [\\d.]+ s, [\\d,]+ rows/s\\n$`),
    );
    const report = reportLines(reportFile);
    expect(report[0]).toBe('line,reason,detail');
    expect(report.slice(1).map((line) => line.split(',').slice(0, 2).join(','))).toEqual(
      [...scenario.bad].sort((a, b) => a[0] - b[0]).map(([line, reason]) => `${line},${reason}`),
    );
    expect(fs.existsSync(path.join(dataDir, 'sentinel.lock'))).toBe(false);

    const again = await runCli(['import', file], engineEnv());
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^Imported 0 of 500 rows, skipped 500 \(email_taken 495,/);
    expect(reportLines(reportFile)).toHaveLength(501);

    const stored = await query<{ n: number; algorithms: string[] }>(
      sql`SELECT count(*)::int AS n, array_agg(DISTINCT password_algorithm ORDER BY password_algorithm) AS algorithms FROM users WHERE username LIKE 'cli%'`,
    );
    expect(stored).toEqual([{ n: 495, algorithms: ['bcrypt', 'md5-crypt'] }]);
  });

  it('checks JSON Lines in a dry run, writing the report where told and no user', async () => {
    const dir = tempDir();
    const scenario = scenarioJsonLines('cjl');
    const file = path.join(dir, 'users.jsonl');
    fs.writeFileSync(file, scenario.text);
    const reportFile = path.join(dir, 'reports', 'dry.csv');
    fs.mkdirSync(path.dirname(reportFile));

    const result = await runCli(['import', file, '--dry-run', '--report', reportFile], engineEnv());
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Dry run: would import 3 of 8 rows, skipped 5 /);
    expect(
      reportLines(reportFile)
        .slice(1)
        .map((line) => line.split(',').slice(0, 2).join(',')),
    ).toEqual([...scenario.bad].map(([line, reason]) => `${line},${reason}`));
    expect(await query(sql`SELECT id FROM users WHERE username LIKE 'cjl%'`)).toEqual([]);
  });

  it('keeps the email_verified column: true, yes and 1 mark the address confirmed; empty and false do not; anything else skips the row', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'verified.csv');
    const hash = BCRYPT.hash;
    fs.writeFileSync(
      file,
      'username,email,password_hash,hash_algorithm,email_verified\n' +
        `evtrue,evtrue@example.com,${hash},bcrypt,TRUE\n` +
        `evyes,evyes@example.com,${hash},bcrypt,yes\n` +
        `evone,evone@example.com,${hash},bcrypt,1\n` +
        `evfalse,evfalse@example.com,${hash},bcrypt,false\n` +
        `evempty,evempty@example.com,${hash},bcrypt,\n` +
        `evbad,evbad@example.com,${hash},bcrypt,maybe\n`,
    );
    const result = await runCli(['import', file, '--no-progress'], engineEnv());
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/^Imported 5 of 6 rows, skipped 1 \(invalid 1;/);
    expect(reportLines(path.join(dir, 'verified.skipped.csv'))[1]).toContain('email_verified');
    const rows = await query<{ username: string; email_verified: boolean }>(
      sql`SELECT username, email_verified FROM users WHERE username LIKE 'ev%' ORDER BY username`,
    );
    expect(rows).toEqual([
      { username: 'evempty', email_verified: false },
      { username: 'evfalse', email_verified: false },
      { username: 'evone', email_verified: true },
      { username: 'evtrue', email_verified: true },
      { username: 'evyes', email_verified: true },
    ]);
  });

  // Threat: an import file carrying bcrypt hashes of cost 30, each login to which would hold a thread for hours.
  it('skips a row whose bcrypt cost is over SENTINEL_IMPORT_BCRYPT_MAX_COST, reported by line, and records its batches', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'costly.csv');
    const salted = BCRYPT.hash.slice(7);
    fs.writeFileSync(
      file,
      'username,email,password_hash,hash_algorithm\n' +
        `capok,capok@example.com,$2b$12$${salted},bcrypt\n` +
        `capover,capover@example.com,$2b$30$${salted},bcrypt\n` +
        `caplow,caplow@example.com,$2b$05$${salted},bcrypt\n`,
    );
    const result = await runCli(['import', file, '--no-progress'], engineEnv());
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Imported 2 of 3 rows, skipped 1 \(invalid_password_hash 1;/);
    const report = reportLines(path.join(dir, 'costly.skipped.csv'));
    expect(report).toHaveLength(2);
    expect(report[1]).toMatch(/^3,invalid_password_hash,.*cost 30.*cost 14 at most \(SENTINEL_IMPORT_BCRYPT_MAX_COST\)/);

    const batches = await query<{ detail: Record<string, unknown> }>(
      sql`SELECT detail FROM audit_events WHERE action = 'users.import_batch' AND detail->>'file' = 'costly.csv' ORDER BY id`,
    );
    expect(batches.map((b) => b.detail)).toEqual([
      { source: 'cli', run_id: expect.any(String), file: 'costly.csv', batch: 1, first_line: 2, last_line: 4, created: 2 },
    ]);
  });

  it('refuses a CSV whose header it cannot use, saying why, before opening the database', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'users.csv');
    fs.writeFileSync(file, 'username,email,password,hash_algorithm\nbad,bad@example.com,secret,md5\n');
    const result = await runCli(['import', file], cliEnv({ SENTINEL_DATA_DIR: dir }));
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'sentinel: The CSV header (line 1) has missing column password_hash; unknown column "password". ' +
        'Columns: username, email, first_name, last_name, password_hash, hash_algorithm, salt, salt_position, email_verified (username, email, password_hash, hash_algorithm required)\n',
    );
    expect(fs.existsSync(path.join(dir, 'pglite'))).toBe(false);
  });

  it('refuses a file whose format it cannot tell, before opening the database', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'users.txt');
    fs.writeFileSync(file, 'username,email\n');
    const result = await runCli(['import', file], cliEnv({ SENTINEL_DATA_DIR: dir }));
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('sentinel: cannot tell the format of users.txt from its name: pass --format csv or --format jsonl\n');
    expect(fs.existsSync(path.join(dir, 'pglite'))).toBe(false);
  });
});
