import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** A port nobody listens on now: the child binds it a moment later. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface Child {
  pid: number;
  url: string;
  /** Starts the sampling profiler (when started with a profile file). */
  startProfile(): void;
  /** Stops it and waits until the profile is written. */
  stopProfile(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The Node flags the server runs with: those of `npm start` (package.json), unless
 * BENCH_NODE_FLAGS names others ("" for none) to compare. The ceilings run with the same
 * flags, so a runtime setting that speeds up the server is not counted as the server's own gain.
 */
export const NODE_FLAGS = process.env.BENCH_NODE_FLAGS?.split(/\s+/).filter(Boolean) ?? startScriptFlags();

function startScriptFlags(): string[] {
  const { scripts } = JSON.parse(fs.readFileSync(`${ROOT}/package.json`, 'utf8')) as { scripts: { start: string } };
  const match = /^node((?:\s+--\S+)*)\s+dist\/cli\.js serve$/.exec(scripts.start);
  if (!match) throw new Error(`package.json's start script is not "node [--flags] dist/cli.js serve": ${scripts.start}`);
  return match[1]!.split(/\s+/).filter(Boolean);
}

const PROFILER = fileURLToPath(new URL('cpu-profiler.mjs', import.meta.url));

/** Node arguments and environment that let the bench profile the measured run of a child (see cpu-profiler.mjs). */
function profiling(profileFile: string | undefined): { args: string[]; env: Record<string, string> } {
  return profileFile ? { args: ['--import', PROFILER], env: { BENCH_CPU_PROFILE: profileFile } } : { args: [], env: {} };
}

/**
 * The built server, as an operator runs it: `node dist/cli.js serve`. Its log lines go to
 * /dev/null: pino still formats and writes every line (that cost is the server's), but no
 * reader on this machine competes with the server and the load generator for the 2 cores.
 */
export async function startSentinel(env: Record<string, string>, profileFile?: string): Promise<Child> {
  const port = await freePort();
  const profiler = profiling(profileFile);
  const devNull = fs.openSync('/dev/null', 'w');
  const child = spawn(process.execPath, [...NODE_FLAGS, ...profiler.args, 'dist/cli.js', 'serve'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env, ...profiler.env, HOST: '127.0.0.1', PORT: String(port) },
    stdio: ['ignore', devNull, 'pipe'],
  });
  fs.closeSync(devNull);
  const url = `http://127.0.0.1:${port}`;
  const stderr = collect(child);
  await waitFor(child, stderr, async () => (await fetch(`${url}/health`).catch(() => undefined))?.status === 200);
  return handle(child, url, stderr);
}

/** A ceiling server (bench/http/ceiling-server.ts), ready when it prints READY. */
export async function startCeiling(args: string[], profileFile?: string): Promise<Child> {
  const port = await freePort();
  const profiler = profiling(profileFile);
  const child = spawn(
    process.execPath,
    [...NODE_FLAGS, '--import', 'tsx', ...profiler.args, 'bench/http/ceiling-server.ts', ...args, '--port', String(port)],
    {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...profiler.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const stderr = collect(child);
  let ready = false;
  child.stdout!.on('data', (chunk: Buffer) => (ready ||= chunk.toString().includes('READY')));
  await waitFor(child, stderr, async () => ready);
  return handle(child, `http://127.0.0.1:${port}`, stderr);
}

function handle(child: ChildProcess, url: string, stderr: () => string): Child {
  return {
    pid: child.pid!,
    url,
    startProfile: () => child.kill('SIGUSR2'),
    stopProfile: async () => {
      child.kill('SIGUSR2');
      await waitFor(child, stderr, async () => stderr().includes('PROFILE WRITTEN'));
    },
    stop: () => stopChild(child),
  };
}

/** Runs a bench script in a process of its own and returns the JSON it prints last. */
export async function runJsonChild<T>(script: string, args: string[]): Promise<T> {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: ROOT,
    env: process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stderr = collect(child);
  let stdout = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`${script} exited ${code}: ${stderr()}`);
  const line = stdout.trim().split('\n').pop()!;
  return JSON.parse(line) as T;
}

function collect(child: ChildProcess): () => string {
  let text = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    // Keep the tail only: a crash's message is at the end.
    text = (text + chunk.toString()).slice(-20_000);
  });
  return () => text;
}

async function waitFor(child: ChildProcess, stderr: () => string, ready: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`child exited ${child.exitCode} before it was ready:\n${stderr()}`);
    if (await ready()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`child not ready after 120 s:\n${stderr()}`);
}

/** SIGTERM (the server drains), SIGKILL after 30 s. */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  await exited;
  clearTimeout(timer);
}

const CLOCK_TICKS_PER_SECOND = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** CPU time (user + system) a process has used so far, in microseconds; undefined once it is gone. */
export function cpuMicrosOf(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/**
 * The CPU that PostgreSQL spends for one database: its backends are processes on this
 * machine, found through pg_stat_activity. A backend that starts during a run counts from
 * zero; one that ends during it is lost (pools keep theirs open, so that is rare).
 */
export class DatabaseCpu {
  private constructor(
    private readonly client: pg.Client,
    private readonly database: string,
  ) {}

  static async open(adminUrl: string, database: string): Promise<DatabaseCpu> {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    return new DatabaseCpu(client, database);
  }

  async snapshot(): Promise<Map<number, number>> {
    const { rows } = await this.client.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = $1', [this.database]);
    const cpu = new Map<number, number>();
    for (const { pid } of rows) {
      const micros = cpuMicrosOf(pid);
      if (micros !== undefined) cpu.set(pid, micros);
    }
    return cpu;
  }

  static spent(before: Map<number, number>, after: Map<number, number>): number {
    let total = 0;
    for (const [pid, micros] of after) total += micros - (before.get(pid) ?? 0);
    return total;
  }

  close(): Promise<void> {
    return this.client.end();
  }
}
