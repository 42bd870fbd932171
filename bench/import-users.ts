/**
 * `sentinel import` at scale: generates a CSV of N users (default 100,000) with bcrypt or
 * sha256 hashes and 1% bad rows, then times the real command (a separate process, no
 * progress bar) on PostgreSQL and PGlite, a re-run of the same file (everything skipped),
 * and PostgreSQL's own COPY of the same good rows as the yardstick. Peak memory of the
 * command is read from /proc (VmHWM), to show it does not grow with the file.
 *
 *   node --import tsx bench/import-users.ts [--count 100000] [--hash bcrypt|sha256] [--engines postgres,pglite] [--batch-size 5000] [--heap-mib 64]
 *
 * PostgreSQL: BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres) names a
 * server whose user may CREATE DATABASE; each run gets a database of its own, dropped after.
 * Never run by `npm test`.
 */
import bcrypt from 'bcrypt';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { openDatabase } from '../src/db/client.js';
import { createScratchDatabase } from '../test/helpers/database.js';

const { values: options } = parseArgs({
  options: {
    count: { type: 'string', default: '100000' },
    hash: { type: 'string', default: 'bcrypt' },
    engines: { type: 'string', default: 'postgres,pglite' },
    'batch-size': { type: 'string', default: '5000' },
    /** Caps the command's V8 heap (--max-old-space-size): an import that kept rows around would run out. */
    'heap-mib': { type: 'string' },
  },
});
const COUNT = Number(options.count);
const HASH = options.hash as 'bcrypt' | 'sha256';
if (HASH !== 'bcrypt' && HASH !== 'sha256') throw new Error('--hash must be bcrypt or sha256');
const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BAD_EVERY = 100;

const n = (value: number) => Math.round(value).toLocaleString('en');
const mib = (kib: number) => `${(kib / 1024).toFixed(0)} MiB`;

interface Generated {
  file: string;
  good: number;
  bad: number;
  /** The good rows as COPY CSV: username,email,first_name,last_name,password_hash,password_algorithm. */
  copyRows: () => Readable;
}

/**
 * bcrypt at cost 12 would take hours for 100,000 users; the importer never computes a hash
 * (it checks the format), so a few real low-cost hashes, reused, give the same file shape.
 */
async function generate(dir: string): Promise<Generated> {
  const bcryptHashes = HASH === 'bcrypt' ? await Promise.all(Array.from({ length: 16 }, (_, i) => bcrypt.hash(`password ${i}`, 4))) : [];
  const hashOf = (i: number) => (HASH === 'bcrypt' ? bcryptHashes[i % 16]! : createHash('sha256').update(`password ${i}`).digest('hex'));
  const file = path.join(dir, 'users.csv');
  const out = fs.createWriteStream(file);
  out.write('username,email,first_name,last_name,password_hash,hash_algorithm\n');
  let good = 0;
  for (let i = 0; i < COUNT; i++) {
    let line: string;
    if (i % BAD_EVERY === BAD_EVERY - 1) {
      // Bad rows of a few kinds: a missing column, an unknown algorithm, a cut hash, a bad email.
      const kind = ((i / BAD_EVERY) % 4) | 0;
      line = [
        `user${i},user${i}@example.com,First,${hashOf(i)},${HASH}`,
        `user${i},user${i}@example.com,First,Last,${hashOf(i)},md4`,
        `user${i},user${i}@example.com,First,Last,${hashOf(i).slice(0, -1)},${HASH}`,
        `user${i},not-an-email,First,Last,${hashOf(i)},${HASH}`,
      ][kind]!;
    } else {
      line = `user${i},user${i}@example.com,"First ${i}","Last, ${i}",${hashOf(i)},${HASH}`;
      good += 1;
    }
    if (!out.write(`${line}\n`)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
  const copyRows = () =>
    Readable.from(
      (function* () {
        for (let i = 0; i < COUNT; i++) {
          if (i % BAD_EVERY === BAD_EVERY - 1) continue;
          yield `user${i},user${i}@example.com,"First ${i}","Last, ${i}",${hashOf(i)},${HASH}\n`;
        }
      })(),
    );
  return { file, good, bad: COUNT - good, copyRows };
}

interface Run {
  wallSeconds: number;
  /** The command's own figure (file to database), from its summary line. */
  importSeconds: number;
  rowsPerSecond: number;
  peakKib: number | undefined;
  summary: string;
}

/** Runs `sentinel import FILE --no-progress` as an operator would, watching its peak memory. */
function runImport(file: string, env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const heap = options['heap-mib'] ? [`--max-old-space-size=${Number(options['heap-mib'])}`] : [];
    const child = spawn(
      process.execPath,
      [
        ...heap,
        '--import',
        'tsx',
        path.join(ROOT, 'src', 'cli.ts'),
        'import',
        file,
        '--no-progress',
        '--batch-size',
        options['batch-size']!,
      ],
      {
        cwd: ROOT,
        env: { PATH: process.env.PATH, HOME: process.env.HOME, SENTINEL_LOG_LEVEL: 'warn', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    let peakKib: number | undefined;
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const watch = setInterval(() => {
      try {
        const hwm = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1];
        if (hwm) peakKib = Number(hwm);
      } catch {
        // exited, or no /proc
      }
    }, 50);
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(watch);
      if (code !== 0) return reject(new Error(`sentinel import exited ${code}: ${stderr}`));
      const match = /; ([\d.]+) s, ([\d,]+) rows\/s/.exec(stdout);
      resolve({
        wallSeconds: (performance.now() - started) / 1000,
        importSeconds: Number(match?.[1] ?? NaN),
        rowsPerSecond: Number((match?.[2] ?? 'NaN').replace(/,/g, '')),
        peakKib,
        summary: stdout.trim(),
      });
    });
  });
}

/** The report must name exactly the bad rows: row i (0-based) is on line i + 2. */
function checkReport(file: string): string {
  const lines = fs
    .readFileSync(file, 'utf8')
    .trimEnd()
    .split('\n')
    .slice(1)
    .map((line) => Number(line.split(',')[0]));
  const expected: number[] = [];
  for (let i = BAD_EVERY - 1; i < COUNT; i += BAD_EVERY) expected.push(i + 2);
  const same = lines.length === expected.length && lines.every((line, i) => line === expected[i]);
  if (!same) throw new Error(`the report lists ${lines.length} lines, not the ${expected.length} bad rows`);
  return `${n(lines.length)} skipped rows, each bad row by its line number`;
}

/** COPY of the same good rows into a freshly migrated users table: the fastest PostgreSQL can load them. */
async function copyYardstick(generated: Generated): Promise<number> {
  const scratch = await createScratchDatabase(ADMIN_URL, 'sentinel_bench_copy');
  try {
    const database = await openDatabase({ url: scratch.url });
    await database.migrate();
    await database.close();
    const client = new pg.Client({ connectionString: scratch.url });
    await client.connect();
    try {
      const started = performance.now();
      await pipeline(
        generated.copyRows(),
        client.query(
          copyFrom('COPY users (username, email, first_name, last_name, password_hash, password_algorithm) FROM STDIN (FORMAT csv)'),
        ),
      );
      return (performance.now() - started) / 1000;
    } finally {
      await client.end();
    }
  } finally {
    await scratch.drop();
  }
}

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'sentinel-bench-import-'));
  try {
    const generatedAt = performance.now();
    const generated = await generate(dir);
    const bytes = fs.statSync(generated.file).size;
    console.log(
      `${n(COUNT)} rows (${n(generated.good)} good, ${n(generated.bad)} bad), ${HASH} hashes, ${(bytes / 1024 / 1024).toFixed(1)} MiB CSV, ` +
        `generated in ${((performance.now() - generatedAt) / 1000).toFixed(1)} s; batch size ${options['batch-size']}` +
        `${options['heap-mib'] ? `; V8 heap capped at ${options['heap-mib']} MiB` : ''}`,
    );
    let copySeconds: number | undefined;
    for (const engine of options.engines.split(',')) {
      let env: NodeJS.ProcessEnv;
      let cleanup: () => Promise<void>;
      if (engine === 'postgres') {
        const scratch = await createScratchDatabase(ADMIN_URL, 'sentinel_bench_import');
        env = { DATABASE_URL: scratch.url };
        cleanup = scratch.drop;
      } else if (engine === 'pglite') {
        const dataDir = path.join(dir, 'pglite-data');
        env = { SENTINEL_DATA_DIR: dataDir };
        cleanup = () => rm(dataDir, { recursive: true, force: true });
      } else {
        throw new Error(`unknown engine ${engine}`);
      }
      try {
        const first = await runImport(generated.file, env);
        const reported = checkReport(path.join(dir, 'users.skipped.csv'));
        const again = await runImport(generated.file, env);
        console.log(`\n${engine}`);
        console.log(`  import:  ${first.summary}`);
        console.log(
          `           ${n(first.rowsPerSecond)} rows/s in the command; ${first.wallSeconds.toFixed(1)} s wall with process start and migrations; peak RSS ${first.peakKib ? mib(first.peakKib) : 'n/a'}`,
        );
        console.log(`           report: ${reported}`);
        console.log(`  re-run:  ${again.summary}`);
        console.log(`           peak RSS ${again.peakKib ? mib(again.peakKib) : 'n/a'}`);
        if (engine === 'postgres') {
          copySeconds = await copyYardstick(generated);
          const copyRate = generated.good / copySeconds;
          const importRate = generated.good / first.importSeconds;
          console.log(`  COPY:    ${n(generated.good)} rows in ${copySeconds.toFixed(2)} s, ${n(copyRate)} rows/s`);
          console.log(
            `  ratio:   import creates ${n(importRate)} users/s = ${((importRate / copyRate) * 100).toFixed(0)}% of COPY's rate (target: 20,000 users/s)`,
          );
        }
      } finally {
        await cleanup();
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
