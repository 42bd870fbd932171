import { sql } from 'drizzle-orm';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../src/db/client.js';
import { AuditLog } from '../src/modules/audit/audit-log.js';
import { loadConfig } from '../src/config.js';
import { bulkImport, type BulkImportStats } from '../src/modules/import/bulk-import.js';
import { costCapsOf, passwordImporter } from '../src/modules/import/hashers/index.js';
import { ImportRepository } from '../src/modules/import/import-repository.js';
import { UserImportService } from '../src/modules/import/import-service.js';
import type { Skip } from '../src/modules/import/items.js';
import { readRows, type ImportFormat } from '../src/modules/import/sources.js';
import { scenarioCsv, scenarioJsonLines } from './fixtures/import/scenario.js';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';

/* The streaming importer behind `sentinel import`, in process: the command itself is spawned in import-cli.test.ts. */
let testDb: TestDatabase;
let service: UserImportService;
beforeAll(async () => {
  testDb = await createTestDatabase();
  const db = testDb.database.db;
  service = new UserImportService({
    db,
    repository: new ImportRepository(db),
    audit: new AuditLog(db, testDb.database),
    importer: passwordImporter(costCapsOf(loadConfig({}))),
  });
});
afterAll(() => testDb.drop());

const context = { ip: null, userAgent: 'test', appId: null };
const countUsers = async (pattern: string) =>
  (await queryRows<{ n: number }>(testDb.database.db, sql`SELECT count(*)::int AS n FROM users WHERE username LIKE ${pattern}`))[0]!.n;

/** Chunks of 64 KiB, as a file stream gives them. */
const streamOf = (text: string) =>
  Readable.from(Array.from({ length: Math.ceil(text.length / 65_536) }, (_, i) => text.slice(i * 65_536, (i + 1) * 65_536)));

interface RunOptions {
  batchSize?: number;
  dryRun?: boolean;
  concurrency?: number;
  /** Rows to read before the source fails, as a file does when the disk or the process goes away. */
  failAfterRows?: number;
}

async function* failingAfter<T>(rows: AsyncIterable<T>, count: number): AsyncGenerator<T> {
  let read = 0;
  for await (const row of rows) {
    if (read++ === count) throw new Error('the source went away');
    yield row;
  }
}

async function run(text: string, format: ImportFormat, options: RunOptions = {}) {
  const skipped: { line: number; skip: Skip }[] = [];
  const rows = readRows(streamOf(text), format);
  const stats = await bulkImport(
    options.failAfterRows === undefined ? rows : failingAfter(rows, options.failAfterRows),
    service,
    {
      batchSize: options.batchSize ?? 500,
      concurrency: options.concurrency ?? 1,
      dryRun: options.dryRun ?? false,
      fileName: 'users.csv',
      onSkip: (line, skip) => {
        skipped.push({ line, skip });
      },
    },
    context,
  );
  return { stats, skipped, reasons: new Map(skipped.map(({ line, skip }) => [line, skip.reason])) };
}

describe('bulk import of a file (sentinel import)', () => {
  it('imports a 2,000-row CSV with 1% bad rows: the good ones land, each bad one is reported by line, and a re-run adds nobody', async () => {
    const scenario = scenarioCsv(2000, 100, 'two');
    expect(scenario.bad.size).toBe(20);

    const first = await run(scenario.text, 'csv', { batchSize: 300 });
    expect(first.stats).toMatchObject<Partial<BulkImportStats>>({ rows: 2000, created: 1980, skipped: 20 });
    expect(first.reasons).toEqual(scenario.bad);
    expect(first.skipped.map((s) => s.line)).toEqual([...scenario.bad.keys()].sort((a, b) => a - b));
    expect(await countUsers('two%')).toBe(1980);

    const again = await run(scenario.text, 'csv', { batchSize: 300 });
    expect(again.stats).toMatchObject({ rows: 2000, created: 0, skipped: 2000 });
    expect(await countUsers('two%')).toBe(1980);
    const reasons = [...again.reasons.values()];
    expect(reasons.filter((r) => r === 'email_taken')).toHaveLength(1980);
  });

  it('stores the rows as given: names with commas, hashes, algorithms', async () => {
    const scenario = scenarioCsv(20, 1000, 'shape');
    await run(scenario.text, 'csv');
    const [row] = await queryRows(
      testDb.database.db,
      sql`SELECT username, email, first_name, last_name, password_hash, password_algorithm, password_salt FROM users WHERE username = 'shape0'`,
    );
    expect(row).toEqual({
      username: 'shape0',
      email: 'shape0@example.com',
      first_name: 'First 0',
      last_name: 'Last, the 0th',
      password_hash: '$1$guOdeAd/$gPspgDX1nGVnusmsinVuu/',
      password_algorithm: 'md5-crypt',
      password_salt: null,
    });
  });

  it('reports a row repeating an earlier one in the same batch by the line it repeats', async () => {
    const header = 'username,email,password_hash,hash_algorithm';
    const md5 = '5f4dcc3b5aa765d61d8327deb882cf99';
    const text = [header, `dup1,dup1@example.com,${md5},md5`, `DUP1,other@example.com,${md5},md5`, `dup2,DUP1@example.com,${md5},md5`].join(
      '\n',
    );
    const result = await run(text, 'csv');
    expect(result.stats.created).toBe(1);
    expect(result.skipped).toEqual([
      { line: 3, skip: { reason: 'duplicate', detail: 'The same username (in any case) is on line 2' } },
      { line: 4, skip: { reason: 'duplicate', detail: 'The same email (in any case) is on line 2' } },
    ]);
  });

  it('keeps the first of repeated rows when batches are written two at a time, whatever their order', async () => {
    const md5 = '5f4dcc3b5aa765d61d8327deb882cf99';
    const rows = Array.from({ length: 1000 }, (_, i) => `par${i},par${i}@example.com,Row ${i},,${md5},md5`);
    // Keys of rows 10 and 20 come back in the next batch in the opposite order, the pattern
    // that would deadlock two concurrent INSERTs; row 990 repeats row 5's username.
    rows[120] = `par20,other120@example.com,Row 120,,${md5},md5`;
    rows[130] = `other130,PAR10@example.com,Row 130,,${md5},md5`;
    rows[990] = `PAR5,other990@example.com,Row 990,,${md5},md5`;
    const text = ['username,email,first_name,last_name,password_hash,hash_algorithm', ...rows].join('\n');
    // The first batch is slow to reach the database, so a later batch not told to wait would get there first.
    const writeBatch = service.writeBatch.bind(service);
    let calls = 0;
    service.writeBatch = async (...args) => {
      if (calls++ === 0) await new Promise((resolve) => setTimeout(resolve, 300));
      return writeBatch(...args);
    };
    const result = await run(text, 'csv', { batchSize: 100, concurrency: 2 }).finally(() => {
      service.writeBatch = writeBatch;
    });
    expect(result.stats).toMatchObject({ rows: 1000, created: 997, skipped: 3 });
    expect(result.skipped.map(({ line, skip }) => [line, skip.reason])).toEqual([
      [122, 'duplicate'],
      [132, 'duplicate'],
      [992, 'duplicate'],
    ]);
    const kept = await queryRows<{ username: string; first_name: string }>(
      testDb.database.db,
      sql`SELECT username, first_name FROM users WHERE username IN ('par5', 'par10', 'par20') ORDER BY username`,
    );
    expect(kept).toEqual([
      { username: 'par10', first_name: 'Row 10' },
      { username: 'par20', first_name: 'Row 20' },
      { username: 'par5', first_name: 'Row 5' },
    ]);
  });

  it('imports JSON Lines, flat or nested, reporting malformed lines and going on', async () => {
    const scenario = scenarioJsonLines('jlb');
    const result = await run(scenario.text, 'jsonl');
    expect(result.stats).toMatchObject({ rows: 8, created: scenario.good, skipped: scenario.bad.size });
    expect(result.reasons).toEqual(scenario.bad);
    expect(await countUsers('jlb%')).toBe(3);
  });

  it('in a dry run writes no user, and answers what would be created and skipped', async () => {
    const scenario = scenarioCsv(300, 100, 'dry');
    const result = await run(scenario.text, 'csv', { dryRun: true });
    expect(result.stats).toMatchObject({ rows: 300, created: 0, wouldCreate: 297, skipped: 3 });
    expect(await countUsers('dry%')).toBe(0);
  });

  it('records one audit event per run, with its counts', async () => {
    const scenario = scenarioCsv(10, 1000, 'audited');
    await run(scenario.text, 'csv');
    const [event] = await queryRows<{ actor_user_id: string | null; user_agent: string; detail: Record<string, unknown> }>(
      testDb.database.db,
      sql`SELECT actor_user_id, user_agent, detail FROM audit_events WHERE action = 'users.imported' ORDER BY id DESC LIMIT 1`,
    );
    expect(event).toEqual({
      actor_user_id: null,
      user_agent: 'test',
      detail: {
        source: 'cli',
        run_id: expect.any(String),
        file: 'users.csv',
        dry_run: false,
        rows: 10,
        created: 9,
        would_create: 0,
        skipped: 1,
      },
    });
  });

  const batchEvents = (runId?: string) =>
    queryRows<{ detail: { run_id: string; file: string; batch: number; first_line: number; last_line: number; created: number } }>(
      testDb.database.db,
      runId === undefined
        ? sql`SELECT detail FROM audit_events WHERE action = 'users.import_batch' ORDER BY id DESC LIMIT 1`
        : sql`SELECT detail FROM audit_events WHERE action = 'users.import_batch' AND detail->>'run_id' = ${runId} ORDER BY id`,
    );

  it('records each batch with the file name and the users it created, and never a hash', async () => {
    const scenario = scenarioCsv(250, 100, 'batched');
    await run(scenario.text, 'csv', { batchSize: 100 });
    const [last] = await batchEvents();
    const events = await batchEvents(last!.detail.run_id);
    expect(events.map((e) => e.detail.batch)).toEqual([1, 2, 3]);
    expect(events.every((e) => e.detail.file === 'users.csv')).toBe(true);
    expect(events.reduce((sum, e) => sum + e.detail.created, 0)).toBe(await countUsers('batched%'));
    expect(events[0]!.detail.first_line).toBe(2);
    expect(JSON.stringify(events)).not.toContain('$2y$');
    expect(JSON.stringify(events)).not.toContain('$1$');
  });

  it.each([1, 2])(
    'leaves, when the run dies between batches (%i written at once), batch events that add up to the users it created',
    async (concurrency) => {
      // Threat: users created by a killed import that no audit event accounts for.
      const prefix = `killed${concurrency}x`;
      const scenario = scenarioCsv(1000, 100, prefix);
      await expect(run(scenario.text, 'csv', { batchSize: 100, concurrency, failAfterRows: 450 })).rejects.toThrow('the source went away');
      const created = await countUsers(`${prefix}%`);
      expect(created).toBeGreaterThan(0);
      expect(created).toBeLessThan(scenario.good);
      const [last] = await batchEvents();
      const events = await batchEvents(last!.detail.run_id);
      expect(events.reduce((sum, e) => sum + e.detail.created, 0)).toBe(created);
      // The run never finished: no closing event names it.
      const closing = await queryRows(
        testDb.database.db,
        sql`SELECT 1 FROM audit_events WHERE action = 'users.imported' AND detail->>'run_id' = ${last!.detail.run_id}`,
      );
      expect(closing).toEqual([]);
    },
  );

  it('records no batch event in a dry run', async () => {
    const before = await queryRows(
      testDb.database.db,
      sql`SELECT count(*)::int AS n FROM audit_events WHERE action = 'users.import_batch'`,
    );
    await run(scenarioCsv(50, 100, 'drybatch').text, 'csv', { batchSize: 10, dryRun: true });
    const after = await queryRows(testDb.database.db, sql`SELECT count(*)::int AS n FROM audit_events WHERE action = 'users.import_batch'`);
    expect(after).toEqual(before);
  });
});
