import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll } from 'vitest';
import { createTestDatabase, testEngine, type TestDatabase } from './database.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = path.join(ROOT, 'src', 'cli.ts');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Environment for a command: quiet, cheap hashing, and nothing inherited that points at another database. */
export function cliEnv(extra: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    SENTINEL_LOG_LEVEL: 'warn',
    SENTINEL_ARGON2_MEMORY_KIB: '1024',
    SENTINEL_ARGON2_ITERATIONS: '1',
    // Tests stop servers with SIGTERM: no load balancer to wait for.
    SENTINEL_SHUTDOWN_GRACE: '0',
  };
  for (const [key, value] of Object.entries(extra)) if (value !== undefined) env[key] = value;
  return env;
}

/** Runs `sentinel <args>` from the TypeScript sources (through tsx), as a separate process. */
export function runCli(args: string[], env: NodeJS.ProcessEnv, stdin?: string, killAfterMs = 100_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
    // A command that should have stopped (a `serve` expected to fail) must not outlive its test.
    const killer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(killer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(stdin ?? '');
  });
}

/** Runs `sentinel <args>` and kills it (SIGKILL, as a crash would) as soon as its stderr matches `pattern`. */
export function runCliUntil(args: string[], env: NodeJS.ProcessEnv, pattern: RegExp): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const killer = setTimeout(() => child.kill('SIGKILL'), 100_000);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
      if (pattern.test(stderr)) child.kill('SIGKILL');
    });
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(killer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Starts `sentinel serve` and resolves once /health answers. */
export async function startServer(
  env: NodeJS.ProcessEnv,
): Promise<{ url: string; child: ChildProcess; output: () => string; stop(): Promise<number | null> }> {
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'serve'], {
    cwd: ROOT,
    env: { ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  // Generous: a loaded machine can take many seconds to start tsx and PGlite.
  for (let attempt = 0; ; attempt++) {
    if (child.exitCode !== null) throw new Error(`sentinel serve exited: ${output}`);
    try {
      if ((await fetch(`${url}/health`)).ok) break;
    } catch {
      // not listening yet
    }
    if (attempt === 450) {
      child.kill('SIGKILL');
      throw new Error(`sentinel serve did not answer within 45 s: ${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url,
    child,
    output: () => output,
    stop: async () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

export function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'sentinel-test-'));
}

/**
 * For a file of command tests: on PostgreSQL (TEST_DATABASE_URL), a database of its own,
 * closed at once (the commands open their own connections) and dropped after the file;
 * on PGlite, nothing. Call at the top of the file.
 */
export function commandDatabase(): { url(): string | undefined } {
  let postgres: TestDatabase | undefined;
  beforeAll(async () => {
    if (testEngine !== 'postgres') return;
    postgres = await createTestDatabase();
    await postgres.database.close();
  });
  afterAll(async () => {
    await postgres?.drop().catch(() => {});
  });
  return { url: () => postgres?.url };
}
