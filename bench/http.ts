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
import { formatSummary, summarize, type CpuProfile, type ProfileSummary } from './cpu-profile.js';
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

/** How many slices each path and its ceiling take turns in: DURATION / SLICES seconds each. */
const SLICES = 5;

/** What a measured run gives, before it is named. */
type Run = Omit<Measurement, 'id' | 'engine'>;

/** One side of a comparison (a path's server, or its ceiling), warmed up and ready for measured slices. */
interface Side {
  slice(duration: number): Promise<Run>;
  /** Stops its process; with --profile, hands back where its main thread went. */
  close(): Promise<ProfileSummary | undefined>;
}

/**
 * Warms a child up: with `cover`, first that many requests, so a read path that rotates
 * through the token users has seen each of them once, however slow the machine: otherwise a
 * loaded machine's short warm-up leaves first-time token checks (a signature check and two row
 * reads each) in the measured run, which a server in service pays once per token.
 */
async function warm(child: Child, requests: scenarios.RequestList, cover: number) {
  const settings = { url: child.url, connections: CONNECTIONS, timeout: 10 };
  if (cover > 0) await autocannon({ ...settings, amount: cover, requests: requests() });
  if (WARMUP > 0) await settle((await autocannon({ ...settings, duration: WARMUP, requests: requests() }))['2xx'] / WARMUP);
}

/**
 * The server still owes answers to the last requests of a run (a login queues for argon2):
 * let it finish them, or the next run (its own, or the other side's) would start behind them.
 */
async function settle(perSecond: number) {
  await new Promise((resolve) => setTimeout(resolve, Math.min(30_000, Math.max(500, (1500 * CONNECTIONS) / Math.max(perSecond, 0.5)))));
}

/** One measured run of a warm child, with the CPU each process spent during it. */
async function slice(child: Child, requests: scenarios.RequestList, databaseCpu: DatabaseCpu | undefined, duration: number): Promise<Run> {
  const server0 = cpuMicrosOf(child.pid);
  const database0 = await databaseCpu?.snapshot();
  const loadGenerator0 = process.cpuUsage();
  const result = await autocannon({ url: child.url, connections: CONNECTIONS, timeout: 10, duration, requests: requests() });
  const loadGenerator = process.cpuUsage(loadGenerator0);
  const server1 = cpuMicrosOf(child.pid);
  const database1 = await databaseCpu?.snapshot();
  const ok = result['2xx'];
  const per = (micros: number | undefined) => (micros === undefined || ok === 0 ? undefined : micros / ok);
  await settle(ok / result.duration);
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

/**
 * A path and its ceiling take turns, SLICES slices each (ceiling, path, path, ceiling, ...):
 * this machine's speed moves by a third within a minute, and two rates measured apart,
 * even with the ceiling split around its paths, moved a ratio by a tenth or more between runs.
 */
async function interleaved(path: Side, ceiling: Side): Promise<[Run, Run]> {
  const duration = DURATION / SLICES;
  const paths: Run[] = [];
  const ceilings: Run[] = [];
  for (let i = 0; i < SLICES; i += 1) {
    const turn = async (side: Side, runs: Run[]) => runs.push(await side.slice(duration));
    if (i % 2 === 0) {
      await turn(ceiling, ceilings);
      await turn(path, paths);
    } else {
      await turn(path, paths);
      await turn(ceiling, ceilings);
    }
  }
  return [combined(paths), combined(ceilings)];
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
    await setup.seeded();

    const record = (measurement: Measurement) => {
      measurements.push(measurement);
      log(describe(measurement));
      if (measurement.profile) log(`${engine} ${measurement.id}: profile\n${formatSummary(measurement.profile)}`);
    };
    /** A child (a server or an HTTP ceiling), warmed up; with --profile, its main thread is sampled over its measured slices. */
    const httpSide = async (
      id: string,
      start: (profileFile?: string) => Promise<Child>,
      requests: scenarios.RequestList,
      { databaseCpu, cover = 0 }: { databaseCpu?: DatabaseCpu | undefined; cover?: number } = {},
    ): Promise<Side> => {
      const file = options.profile ? path.join(PROFILE_DIR, `${engine}-${id.replace(/@/g, '-')}.cpuprofile`) : undefined;
      const child = await start(file);
      try {
        await warm(child, requests, cover);
        if (file) child.startProfile();
      } catch (error) {
        await child.stop();
        throw error;
      }
      return {
        slice: (duration) => slice(child, requests, databaseCpu, duration),
        close: async () => {
          try {
            if (file) await child.stopProfile();
          } finally {
            await child.stop();
          }
          return file ? summarize(JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile, 25) : undefined;
        },
      };
    };
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
      // The read paths are measured in their steady state: every token user seen once (see warm).
      const cover = /^(verify|profile-list)/.test(id) ? TOKEN_USERS : 0;
      return httpSide(id, (file) => startSentinel(env, file), requests, { databaseCpu: setup.databaseCpu, cover });
    };
    /** A path with no ceiling: one measured run of the whole duration. */
    const alone = async (id: string, requests: scenarios.RequestList) => {
      const side = await sentinel(id, requests);
      let run: Run | undefined;
      try {
        run = await side.slice(DURATION);
      } finally {
        const profile = await side.close();
        if (run) record({ id, engine, ...run, profile });
      }
    };
    /** A path and its ceiling, interleaved; the ceiling is recorded as `<ceiling>@<path>`. */
    const beside = async (id: string, requests: scenarios.RequestList, ceilingId: string, openCeiling: () => Promise<Side>) => {
      const ceiling = await openCeiling();
      let runs: [Run, Run] | undefined;
      let ceilingProfile: ProfileSummary | undefined;
      try {
        const side = await sentinel(id, requests);
        try {
          runs = await interleaved(side, ceiling);
        } finally {
          const profile = await side.close();
          if (runs) record({ id, engine, ...runs[0], profile });
        }
      } finally {
        ceilingProfile = await ceiling.close();
      }
      record({ id: `${ceilingId}@${id}`, engine, ...runs[1], profile: ceilingProfile });
    };
    const httpCeiling = (ceilingId: string, args: string[], requests: scenarios.RequestList, pathId: string) => () =>
      httpSide(`${ceilingId}@${pathId}`, (file) => startCeiling(args, file), requests, {
        databaseCpu: args[0] === 'pg' ? setup.databaseCpu : undefined,
      });
    const argon2Rate = async (): Promise<Side> => ({
      slice: async (duration) => {
        const result = await runJsonChild<{ perSecond: number; hashes: number; seconds: number; cpuMicros: number }>(
          'bench/http/argon2-rate.ts',
          ['--duration', String(duration), '--concurrency', String(CONNECTIONS)],
        );
        return {
          perSecond: result.perSecond,
          ok: result.hashes,
          non2xx: 0,
          errors: 0,
          timeouts: 0,
          seconds: result.seconds,
          cpuMicrosPerRequest: { server: result.cpuMicros / result.hashes },
        };
      },
      close: async () => undefined,
    });
    const wanted = (id: string) => ONLY.includes(id);

    for (const id of ['verify', 'verify@warn'].filter(wanted))
      await beside(id, scenarios.verify(seeded), 'bare', httpCeiling('bare', ['bare'], scenarios.bare(seeded), id));
    for (const id of ['profile-list', 'profile-list@warn'].filter(wanted))
      await beside(
        id,
        scenarios.profileList(seeded),
        'direct-query',
        httpCeiling('direct-query', setup.ceilingArgs, scenarios.directQuery(seeded), id),
      );
    if (wanted('profile-patch')) await alone('profile-patch', scenarios.profilePatch(seeded));
    if (wanted('profile-create')) await alone('profile-create', scenarios.profileCreate(seeded));
    for (const id of ['login', 'login@lockout'].filter(wanted))
      await beside(id, scenarios.login(seeded, secrets.SENTINEL_API_KEY), 'argon2', argon2Rate);
    if (wanted('refresh')) await alone('refresh', scenarios.refresh(seeded));
    return measurements;
  } finally {
    await setup.cleanup();
  }
}

/** Slices of one side as one run: rates over the total, CPU weighted by answers, the worst slice's latencies, each slice's rate. */
function combined(runs: Run[]): Run {
  const ok = runs.reduce((sum, run) => sum + run.ok, 0);
  const total = (key: 'non2xx' | 'errors' | 'timeouts' | 'seconds') => runs.reduce((sum, run) => sum + run[key], 0);
  const cpu = (key: keyof Run['cpuMicrosPerRequest']) => {
    if (ok === 0 || runs.some((run) => run.cpuMicrosPerRequest[key] === undefined)) return undefined;
    return runs.reduce((sum, run) => sum + run.cpuMicrosPerRequest[key]! * run.ok, 0) / ok;
  };
  const worst = (key: 'p50Ms' | 'p99Ms') =>
    runs.some((run) => run[key] === undefined) ? undefined : Math.max(...runs.map((run) => run[key]!));
  return {
    perSecond: ok / total('seconds'),
    p50Ms: worst('p50Ms'),
    p99Ms: worst('p99Ms'),
    ok,
    non2xx: total('non2xx'),
    errors: total('errors'),
    timeouts: total('timeouts'),
    seconds: total('seconds'),
    cpuMicrosPerRequest: { server: cpu('server'), database: cpu('database'), loadGenerator: cpu('loadGenerator') },
    slices: runs.map((run) => run.perSecond),
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
