/**
 * Bulk profile creation at scale: one POST /operator/profile/create-bulk of 100,000 profiles
 * (about 20 MB of JSON) through a real listening server, on PGlite and on PostgreSQL, with
 * the same rows loaded by PostgreSQL's own COPY as the yardstick.
 *
 *   node --expose-gc --import tsx bench/profiles-bulk.ts [--count 100000] [--users 1000] [--rounds 1] [--engines pglite,postgres]
 *
 * With --rounds N the same request is sent N times in a row (each adds COUNT profiles): the
 * heap after each round shows whether memory stays bounded; the rate is the median round's.
 *
 * PostgreSQL: BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres) names a
 * server whose user may CREATE DATABASE; the benchmark works in a database of its own and drops it.
 * Never run by `npm test`.
 */
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { openDatabase, type Database } from '../src/db/client.js';
import { createScratchDatabase } from '../test/helpers/database.js';
import { profileData } from './profile-data.js';
import { startBenchServer } from './server.js';

const { values: options } = parseArgs({
  options: {
    count: { type: 'string', default: '100000' },
    users: { type: 'string', default: '1000' },
    engines: { type: 'string', default: 'pglite,postgres' },
    rounds: { type: 'string', default: '1' },
    child: { type: 'boolean', default: false },
  },
});
const COUNT = Number(options.count);
const USERS = Number(options.users);
const ROUNDS = Number(options.rounds);
const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const gc = (globalThis as { gc?: () => void }).gc;

interface Memory {
  rss: number;
  heapUsed: number;
}

interface Result {
  engine: string;
  seconds: number;
  perSecond: number;
  bodyBytes: number;
  before: Memory;
  peak: Memory;
  after: Memory;
  /** Heap after each round (after a GC when --expose-gc). */
  heapAfterRounds: number[];
  copySeconds?: number;
}

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;

function memory(): Memory {
  const { rss, heapUsed } = process.memoryUsage();
  return { rss, heapUsed };
}

/** Polls memory while `work` runs: the peak is what the server needed on top of the baseline. */
async function withPeakMemory<T>(work: () => Promise<T>): Promise<{ result: T; peak: Memory }> {
  const peak = memory();
  const timer = setInterval(() => {
    const now = memory();
    peak.rss = Math.max(peak.rss, now.rss);
    peak.heapUsed = Math.max(peak.heapUsed, now.heapUsed);
  }, 20);
  try {
    return { result: await work(), peak };
  } finally {
    clearInterval(timer);
  }
}

async function seedUsers(database: Database, count: number): Promise<string[]> {
  const ids = Array.from({ length: count }, () => randomUUID());
  // Straight SQL: the benchmark measures profiles, not argon2.
  await database.db.execute(
    (await import('drizzle-orm')).sql`INSERT INTO users (id, username, email, password_hash)
      SELECT u.id, 'bench' || u.n, 'bench' || u.n || '@example.com', 'not-a-real-hash'
      FROM unnest(${`{${ids.join(',')}}`}::uuid[]) WITH ORDINALITY AS u(id, n)`,
  );
  return ids;
}

async function runApi(engine: 'pglite' | 'postgres'): Promise<Result> {
  let database: Database;
  let cleanup: () => Promise<void>;
  let url: string | undefined;
  if (engine === 'pglite') {
    const dir = await mkdtemp(path.join(tmpdir(), 'sentinel-bench-'));
    database = await openDatabase({ pgliteDir: dir });
    cleanup = async () => {
      await database.close();
      await rm(dir, { recursive: true, force: true });
    };
  } else {
    const scratch = await createScratchDatabase(ADMIN_URL, 'sentinel_bench');
    url = scratch.url;
    database = await openDatabase({ url, poolSize: 10 });
    cleanup = async () => {
      await database.close();
      await scratch.drop();
    };
  }
  try {
    const { app, services, base, context, operator } = await startBenchServer(database);
    try {
      const { access } = await services.sessions.startSession(operator, context);
      const apps: number[] = [];
      for (let i = 0; i < 3; i++)
        apps.push((await services.apps.appService.register({ app: `bench${i}` }, { actorUserId: operator.id, context })).app.id);
      const userIds = await seedUsers(database, USERS);

      let body: string | undefined = JSON.stringify({
        profiles: Array.from({ length: COUNT }, (_, i) => ({
          app_id: apps[i % apps.length],
          user_id: userIds[i % userIds.length],
          profile_data: profileData(i),
        })),
      });
      const bodyBytes = Buffer.byteLength(body);
      gc?.();
      const before = memory();
      const peak = { ...before };
      const times: number[] = [];
      const heapAfterRounds: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        const started = performance.now();
        const measured = await withPeakMemory(async () => {
          const answer = await fetch(`${base}/operator/profile/create-bulk`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${access.token}` },
            body,
          });
          return { status: answer.status, text: await answer.text() };
        });
        times.push((performance.now() - started) / 1000);
        const { result: response } = measured;
        if (response.status !== 201) throw new Error(`create-bulk answered ${response.status}: ${response.text.slice(0, 500)}`);
        const created = (JSON.parse(response.text) as { created: number }).created;
        if (created !== COUNT) throw new Error(`created ${created}, expected ${COUNT}`);
        peak.rss = Math.max(peak.rss, measured.peak.rss);
        peak.heapUsed = Math.max(peak.heapUsed, measured.peak.heapUsed);
        gc?.();
        heapAfterRounds.push(memory().heapUsed);
      }
      body = undefined;
      gc?.();
      const after = memory();
      const seconds = [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)]!;

      const result: Result = { engine, seconds, perSecond: COUNT / seconds, bodyBytes, before, peak, after, heapAfterRounds };
      if (url) result.copySeconds = await copyYardstick(url, apps, userIds);
      return result;
    } finally {
      await app.close();
    }
  } finally {
    await cleanup();
  }
}

/** The same rows through COPY ... FROM STDIN in one transaction: how fast PostgreSQL itself loads them. */
async function copyYardstick(url: string, apps: number[], userIds: string[]): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    // Into an empty table, as the API run was: same starting point, same indexes.
    await client.query('TRUNCATE profiles');
    await client.query('BEGIN');
    const started = performance.now();
    const escape = (text: string) => text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t');
    function* lines() {
      for (let i = 0; i < COUNT; i++) {
        const data = JSON.stringify(profileData(i));
        yield `${randomUUID()}\t${userIds[i % userIds.length]}\t${apps[i % apps.length]}\t${Buffer.byteLength(data)}\t${escape(data)}\n`;
      }
    }
    await pipeline(
      Readable.from(lines()),
      client.query(copyFrom('COPY profiles (id, user_id, app_id, data_bytes, profile_data) FROM STDIN')),
    );
    await client.query('COMMIT');
    return (performance.now() - started) / 1000;
  } finally {
    await client.end();
  }
}

const engines = options.engines.split(',').map((name) => name.trim()) as ('pglite' | 'postgres')[];
if (options.child) {
  // One engine per process, so one engine's memory does not show up in the other's figures.
  const result = await runApi(engines[0]!);
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
  process.exit(0);
}
const results: Result[] = [];
for (const engine of engines) {
  process.stderr.write(`${engine}: ${COUNT} profiles for ${USERS} users, ${ROUNDS} round(s)...\n`);
  const child = spawnSync(
    process.execPath,
    [
      ...process.execArgv,
      fileURLToPath(import.meta.url),
      '--child',
      '--engines',
      engine,
      '--count',
      String(COUNT),
      '--users',
      String(USERS),
      '--rounds',
      String(ROUNDS),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', maxBuffer: 1 << 20 },
  );
  const line = child.stdout.split('\n').find((text) => text.startsWith('RESULT '));
  if (child.status !== 0 || !line) throw new Error(`${engine} run failed (exit ${child.status})`);
  results.push(JSON.parse(line.slice('RESULT '.length)) as Result);
}

const copy = results.find((result) => result.copySeconds !== undefined);
const copyRate = copy ? COUNT / copy.copySeconds! : undefined;
console.log(
  `\nPOST /operator/profile/create-bulk, ${COUNT.toLocaleString('en')} profiles in one request, ${ROUNDS} round(s) (${mib(results[0]?.bodyBytes ?? 0)} of JSON), node ${process.version}`,
);
console.log('engine    seconds  profiles/s  vs COPY   RSS before -> peak -> after (heap before -> peak -> after)');
for (const r of results) {
  const ratio = copyRate ? `${((r.perSecond / copyRate) * 100).toFixed(0)}%` : 'n/a';
  console.log(
    `${r.engine.padEnd(9)} ${r.seconds.toFixed(2).padStart(7)} ${Math.round(r.perSecond).toLocaleString('en').padStart(11)}  ${ratio.padStart(7)}   ` +
      `${mib(r.before.rss)} -> ${mib(r.peak.rss)} -> ${mib(r.after.rss)} (${mib(r.before.heapUsed)} -> ${mib(r.peak.heapUsed)} -> ${mib(r.after.heapUsed)})`,
  );
  if (ROUNDS > 1) console.log(`          heap after each of ${ROUNDS} rounds: ${r.heapAfterRounds.map(mib).join(', ')}`);
}
if (copy && copyRate) {
  console.log(
    `COPY      ${copy.copySeconds!.toFixed(2).padStart(7)} ${Math.round(copyRate).toLocaleString('en').padStart(11)}     100%   (PostgreSQL COPY FROM STDIN, same rows into the emptied table, same indexes, one transaction)`,
  );
}
if (!gc) console.log('(run with node --expose-gc for settled "after" figures)');
