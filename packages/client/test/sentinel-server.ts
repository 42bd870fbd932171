import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createScratchDatabase } from '../../../test/helpers/database.js';

const CLI = fileURLToPath(new URL('../../../dist/cli.js', import.meta.url));

export interface RunningSentinel {
  url: string;
  apiKey: string;
  operator: { email: string; password: string };
  stop(): Promise<void>;
}

/** A port the system just gave out, so two test runs do not pick the same one. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * A real `sentinel serve` from the build (dist/cli.js) on PGlite in a temporary data directory,
 * with an operator made first (PGlite lets one process at a time own the directory). With
 * TEST_DATABASE_URL set, on a PostgreSQL database of its own instead, as the server suite runs.
 */
export async function startSentinel(extraEnv: Record<string, string> = {}): Promise<RunningSentinel> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
  const dir = mkdtempSync(path.join(tmpdir(), 'sentinel-client-'));
  const apiKey = 'sk_client_tests_0123456789abcdef';
  const operator = { email: 'admin@example.com', password: 'operator password' };
  const postgres = process.env.TEST_DATABASE_URL
    ? await createScratchDatabase(process.env.TEST_DATABASE_URL, 'sentinel_client')
    : undefined;
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    SENTINEL_DATA_DIR: dir,
    SENTINEL_API_KEY: apiKey,
    SENTINEL_LOG_LEVEL: 'warn',
    // Cheap hashing and no per-IP limit: the tests log in many times from one address.
    SENTINEL_ARGON2_MEMORY_KIB: '1024',
    SENTINEL_ARGON2_ITERATIONS: '1',
    SENTINEL_RATE_LIMIT_MAX: '0',
    SENTINEL_SHUTDOWN_GRACE: '0',
    ...(postgres ? { DATABASE_URL: postgres.url } : {}),
    ...extraEnv,
  };
  const created = spawnSync(process.execPath, [CLI, 'operator', 'create', '--email', operator.email, '--username', 'admin'], {
    env,
    input: `${operator.password}\n`,
    encoding: 'utf8',
  });
  if (created.status !== 0) throw new Error(`operator create failed: ${created.stderr}`);

  const port = await freePort();
  const child = spawn(process.execPath, [CLI, 'serve'], {
    env: { ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 45_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`sentinel serve exited: ${output}`);
    if (
      await fetch(`${url}/healthz`).then(
        (response) => response.ok,
        () => false,
      )
    )
      break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`sentinel serve did not answer within 45 s: ${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url,
    apiKey,
    operator,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
      await postgres?.drop();
    },
  };
}
