/**
 * The HTTP benchmark (issue 10): the built server (`node dist/cli.js serve`, rate limits off,
 * log level info as in production) driven over loopback by autocannon, on PostgreSQL and on
 * PGlite, next to ceilings measured in the same run on the same machine: a bare Fastify
 * route, the same profile query sent straight to the database, and argon2id's hash rate.
 * Only the ratios carry over between machines; see docs/benchmarks.md.
 *
 *   npm run bench -- [--engines postgres,pglite] [--duration 10] [--warmup 2] [--connections 16]
 *                    [--users 10000] [--token-users 1000] [--only verify,refresh,...] [--profile]
 *                    [--compare old.json]
 *   npm run bench -- --compare old.json new.json      (no run: prints two saved runs side by side)
 *
 * Paths (--only): verify, profile-list, profile-patch, profile-create, login, refresh; with
 * `@warn` (verify@warn, profile-list@warn) the same path with the log level at warn;
 * login@lockout is login with the failed-login lockout on, as it is by default.
 * --profile samples each server's main thread during the measured run (bench/http/cpu-profiler.mjs)
 * and prints where its time went, per path; the .cpuprofile files stay in .bench/ for DevTools.
 * Results go to .bench/results-<timestamp>.json.
 *
 * PostgreSQL: BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres) names a
 * server whose user may CREATE DATABASE; the run works in a database of its own and drops it.
 * SENTINEL_* variables in the environment (SENTINEL_DB_POOL_SIZE, SENTINEL_ARGON2_*) reach the
 * server, the ceilings and the hash-rate measurement alike. Never run by `npm test`.
 */
import autocannon from 'autocannon';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { loadConfig } from '../src/config.js';
import { formatSummary, summarize, type CpuProfile } from './cpu-profile.js';
import { openEngine, passedThrough } from './http/engines.js';
import { cpuMicrosOf, DatabaseCpu, NODE_FLAGS, ROOT, runJsonChild, startCeiling, startSentinel, type Child } from './http/processes.js';
import { formatComparison, formatResults, type Engine, type Machine, type Measurement, type RunResults } from './http/report.js';
import * as scenarios from './http/scenarios.js';
import { newSecrets, seed, type Seeded, type Secrets } from './http/seed.js';

const { values: options, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    engines: { type: 'string', default: 'postgres,pglite' },
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    connections: { type: 'string', default: '16' },
    users: { type: 'string', default: '10000' },
    'token-users': { type: 'string', default: '1000' },
    only: { type: 'string' },
    profile: { type: 'boolean', default: false },
    compare: { type: 'string' },
  },
});

const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const OUT_DIR = path.join(ROOT, '.bench');
const load = (file: string) => JSON.parse(fs.readFileSync(file, 'utf8')) as RunResults;

if (options.compare && positionals[0]) {
  console.log(formatComparison(load(options.compare), load(positionals[0])));
  process.exit(0);
}

const ENGINES = options.engines.split(',').map((name) => name.trim()) as Engine[];
for (const engine of ENGINES) if (engine !== 'postgres' && engine !== 'pglite') throw new Error(`unknown engine ${engine}`);
const DURATION = Number(options.duration);
const WARMUP = Number(options.warmup);
const CONNECTIONS = Number(options.connections);
const USERS = Number(options.users);
const TOKEN_USERS = Math.min(Number(options['token-users']), USERS);
const PATH_IDS = [
  'verify',
  'verify@warn',
  'profile-list',
  'profile-list@warn',
  'profile-patch',
  'profile-create',
  'login',
  'login@lockout',
  'refresh',
];
const ONLY = options.only ? options.only.split(',').map((id) => id.trim()) : PATH_IDS;
for (const id of ONLY) if (!PATH_IDS.includes(id)) throw new Error(`unknown path ${id}: one of ${PATH_IDS.join(', ')}`);
const STAMP = new Date().toISOString().replace(/[:.]/g, '-');
const PROFILE_DIR = path.join(OUT_DIR, `profiles-${STAMP}`);
const POOL_SIZE = loadConfig().databasePoolSize;
/** login@lockout's cap: the caller's SENTINEL_LOGIN_MAX_FAILURES, or the shipped default where the caller turned it off. */
const LOCKOUT_MAX_FAILURES = loadConfig().loginMaxFailures || loadConfig({}).loginMaxFailures;
if (options.profile) fs.mkdirSync(PROFILE_DIR, { recursive: true });

const log = (line: string) => process.stderr.write(`${line}\n`);

/**
 * Warm-up, then the measured run, with the CPU each process spent during it (and its profile,
 * with --profile). With `cover`, the warm-up first sends that many requests, so a read path
 * that rotates through the token users has seen each of them once, however slow the machine:
 * otherwise a loaded machine's short warm-up leaves first-time token checks (a signature check
 * and two row reads each) in the measured run, which a server in service pays once per token.
 */
async function drive(child: Child, requests: scenarios.RequestList, databaseCpu?: DatabaseCpu, cover = 0, duration = DURATION) {
  const settings = { url: child.url, connections: CONNECTIONS, timeout: 10 };
  if (cover > 0) await autocannon({ ...settings, amount: cover, requests: requests() });
  if (WARMUP > 0) {
    const warm = await autocannon({ ...settings, duration: WARMUP, requests: requests() });
    // The server still owes answers to the warm-up's last requests (a login queues for argon2):
    // let it finish them, or the measured run would start behind their backlog.
    const rate = warm['2xx'] / warm.duration;
    await new Promise((resolve) => setTimeout(resolve, Math.min(30_000, Math.max(500, (1500 * CONNECTIONS) / Math.max(rate, 0.5)))));
  }
  if (options.profile) child.startProfile();
  const server0 = cpuMicrosOf(child.pid);
  const database0 = await databaseCpu?.snapshot();
  const loadGenerator0 = process.cpuUsage();
  const result = await autocannon({ ...settings, duration, requests: requests() });
  const loadGenerator = process.cpuUsage(loadGenerator0);
  const server1 = cpuMicrosOf(child.pid);
  const database1 = await databaseCpu?.snapshot();
  if (options.profile) await child.stopProfile();
  const ok = result['2xx'];
  const per = (micros: number | undefined) => (micros === undefined || ok === 0 ? undefined : micros / ok);
  return {
    perSecond: ok / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    ok,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    seconds: result.duration,
    cpuMicrosPerRequest: {
      server: per(server0 !== undefined && server1 !== undefined ? server1 - server0 : undefined),
      database: per(database0 && database1 ? DatabaseCpu.spent(database0, database1) : undefined),
      loadGenerator: per(loadGenerator.user + loadGenerator.system),
    },
  };
}

function describe(m: Measurement): string {
  const failed = m.non2xx + m.errors + m.timeouts;
  const rate = m.perSecond >= 100 ? Math.round(m.perSecond).toLocaleString('en') : m.perSecond.toFixed(1);
  const latency = m.p50Ms === undefined ? '' : `, p50 ${m.p50Ms} ms, p99 ${m.p99Ms} ms`;
  return `${m.engine} ${m.id}: ${rate}/s${latency}${failed ? `, ${failed} failed` : ''}`;
}

async function runEngine(engine: Engine, secrets: Secrets): Promise<Measurement[]> {
  const { database, setup } = await openEngine(engine, ADMIN_URL, POOL_SIZE);
  const measurements: Measurement[] = [];
  try {
    let seeded: Seeded;
    try {
      const started = performance.now();
      await database.migrate();
      seeded = await seed(database, secrets, USERS, TOKEN_USERS);
      log(
        `${engine}: seeded ${USERS.toLocaleString('en')} users, ${(USERS * 2).toLocaleString('en')} profiles, ${TOKEN_USERS * 2} sessions in ${((performance.now() - started) / 1000).toFixed(1)} s`,
      );
    } finally {
      // PGlite: one process at a time on a data directory; the server opens it next.
      await database.close();
    }

    const record = (measurement: Measurement) => {
      measurements.push(measurement);
      log(describe(measurement));
    };
    /** With --profile, the child's main thread is profiled during the measured run; the summary joins the measurement. */
    const measure = async (
      id: string,
      start: (profileFile?: string) => Promise<Child>,
      requests: scenarios.RequestList,
      { databaseCpu, cover = 0, duration = DURATION, profile = options.profile }: MeasureOptions = {},
    ): Promise<Measurement> => {
      const file = profile ? path.join(PROFILE_DIR, `${engine}-${id.replace('@', '-')}.cpuprofile`) : undefined;
      const child = await start(file);
      let measured;
      try {
        measured = await drive(child, requests, databaseCpu, cover, duration);
      } finally {
        await child.stop();
      }
      const measurement: Measurement = { id, engine, ...measured };
      if (file) {
        measurement.profile = summarize(JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile, 25);
        log(`${engine} ${id}: profile (${path.relative(ROOT, file)})\n${formatSummary(measurement.profile)}`);
      }
      return measurement;
    };
    /**
     * A ceiling in two halves of a path's duration, one right before the paths it bounds and
     * one right after, recorded as one (all answers over all seconds): the machine's speed
     * drifts (up to 2x within a day here), and a ceiling taken on one side of its paths only
     * moved their ratios by a tenth between runs. `halves` keeps both rates, to show the drift.
     */
    const bracketed = async (half: (duration: number, first: boolean) => Promise<Measurement>, paths: () => Promise<void>) => {
      const duration = DURATION / 2;
      const first = await half(duration, true);
      await paths();
      record(combined(first, await half(duration, false)));
    };
    const ceiling = (id: string, args: string[], requests: scenarios.RequestList, paths: () => Promise<void>) =>
      bracketed(
        (duration, first) =>
          measure(id, (file) => startCeiling(args, file), requests, {
            databaseCpu: args[0] === 'pg' ? setup.databaseCpu : undefined,
            duration,
            profile: options.profile && first,
          }),
        paths,
      );
    const sentinel = (id: string, requests: scenarios.RequestList) => {
      const env = {
        ...passedThrough(),
        ...(secrets as unknown as Record<string, string>),
        ...setup.serverEnv,
        SENTINEL_RATE_LIMIT_MAX: '0',
        // Off for the target's row; login@lockout measures the default (a reservation and its release per login).
        SENTINEL_LOGIN_MAX_FAILURES: id === 'login@lockout' ? String(LOCKOUT_MAX_FAILURES) : '0',
        SENTINEL_LOG_LEVEL: id.endsWith('@warn') ? 'warn' : 'info',
      };
      // The read paths are measured in their steady state: every token user seen once (see drive).
      const cover = /^(verify|profile-list)/.test(id) ? TOKEN_USERS : 0;
      return measure(id, (file) => startSentinel(env, file), requests, { databaseCpu: setup.databaseCpu, cover }).then(record);
    };
    const wanted = (...ids: string[]) => ids.some((id) => ONLY.includes(id));

    // Each ceiling right before the paths it bounds, so the machine's load drifts least between them.
    if (wanted('verify', 'verify@warn'))
      await ceiling('bare', ['bare'], scenarios.bare(seeded), async () => {
        if (wanted('verify')) await sentinel('verify', scenarios.verify(seeded));
        if (wanted('verify@warn')) await sentinel('verify@warn', scenarios.verify(seeded));
      });
    if (wanted('profile-list', 'profile-list@warn'))
      await ceiling('direct-query', setup.ceilingArgs, scenarios.directQuery(seeded), async () => {
        if (wanted('profile-list')) await sentinel('profile-list', scenarios.profileList(seeded));
        if (wanted('profile-list@warn')) await sentinel('profile-list@warn', scenarios.profileList(seeded));
      });
    if (wanted('profile-patch')) await sentinel('profile-patch', scenarios.profilePatch(seeded));
    if (wanted('profile-create')) await sentinel('profile-create', scenarios.profileCreate(seeded));
    if (wanted('login', 'login@lockout'))
      await bracketed(
        async (duration) => {
          const result = await runJsonChild<{ perSecond: number; hashes: number; seconds: number; cpuMicros: number }>(
            'bench/http/argon2-rate.ts',
            ['--duration', String(duration), '--concurrency', String(CONNECTIONS)],
          );
          return {
            id: 'argon2',
            engine,
            perSecond: result.perSecond,
            ok: result.hashes,
            non2xx: 0,
            errors: 0,
            timeouts: 0,
            seconds: result.seconds,
            cpuMicrosPerRequest: { server: result.cpuMicros / result.hashes },
          };
        },
        async () => {
          if (wanted('login')) await sentinel('login', scenarios.login(seeded, secrets.SENTINEL_API_KEY));
          if (wanted('login@lockout')) await sentinel('login@lockout', scenarios.login(seeded, secrets.SENTINEL_API_KEY));
        },
      );
    if (wanted('refresh')) await sentinel('refresh', scenarios.refresh(seeded));
    return measurements;
  } finally {
    await setup.cleanup();
  }
}

interface MeasureOptions {
  databaseCpu?: DatabaseCpu | undefined;
  cover?: number;
  duration?: number;
  profile?: boolean;
}

/** Two halves of one ceiling as one measurement: rates over the total, CPU weighted by answers, the worse latency. */
function combined(first: Measurement, second: Measurement): Measurement {
  const ok = first.ok + second.ok;
  const seconds = first.seconds + second.seconds;
  const cpu = (key: keyof Measurement['cpuMicrosPerRequest']) => {
    const [a, b] = [first.cpuMicrosPerRequest[key], second.cpuMicrosPerRequest[key]];
    return a === undefined || b === undefined || ok === 0 ? undefined : (a * first.ok + b * second.ok) / ok;
  };
  const worse = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined ? undefined : Math.max(a, b));
  return {
    ...first,
    perSecond: ok / seconds,
    p50Ms: worse(first.p50Ms, second.p50Ms),
    p99Ms: worse(first.p99Ms, second.p99Ms),
    ok,
    non2xx: first.non2xx + second.non2xx,
    errors: first.errors + second.errors,
    timeouts: first.timeouts + second.timeouts,
    seconds,
    cpuMicrosPerRequest: { server: cpu('server'), database: cpu('database'), loadGenerator: cpu('loadGenerator') },
    halves: [first.perSecond, second.perSecond],
  };
}

async function machine(): Promise<Machine> {
  const version = (name: string) =>
    (JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  let postgres: string | undefined;
  if (ENGINES.includes('postgres')) {
    const client = new pg.Client({ connectionString: ADMIN_URL });
    await client.connect();
    postgres = (await client.query<{ server_version: string }>('SHOW server_version')).rows[0]!.server_version;
    await client.end();
  }
  return {
    cpus: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    node: process.version,
    nodeFlags: NODE_FLAGS.join(' '),
    ...(postgres ? { postgres } : {}),
    pglite: version('@electric-sql/pglite'),
    fastify: version('fastify'),
    loadAverage: { start: os.loadavg() },
  };
}

const results: RunResults = {
  startedAt: new Date().toISOString(),
  command: ['npm run bench', ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : [])].join(' '),
  machine: await machine(),
  options: {
    engines: ENGINES,
    duration: DURATION,
    warmup: WARMUP,
    connections: CONNECTIONS,
    users: USERS,
    tokenUsers: TOKEN_USERS,
    profile: options.profile,
  },
  measurements: [],
};
const secrets = newSecrets();
for (const engine of ENGINES) results.measurements.push(...(await runEngine(engine, secrets)));
results.machine.loadAverage.end = os.loadavg();

fs.mkdirSync(OUT_DIR, { recursive: true });
const file = path.join(OUT_DIR, `results-${STAMP}.json`);
fs.writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
console.log(formatResults(results));
console.log(`\nwritten to ${path.relative(process.cwd(), file)}`);
if (options.compare) console.log(`\n${formatComparison(load(options.compare), results)}`);
