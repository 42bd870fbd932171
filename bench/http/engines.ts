import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { openDatabase, type Database } from '../../src/db/client.js';
import { createScratchDatabase } from '../../test/helpers/database.js';
import { DatabaseCpu } from './processes.js';
import type { Engine } from './report.js';

/** SENTINEL_* settings of the caller's environment, and the thread-pool size, reach every child. */
export function passedThrough(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && (name.startsWith('SENTINEL_') || name === 'UV_THREADPOOL_SIZE')) env[name] = value;
  }
  return env;
}

export interface EngineSetup {
  /** DATABASE_URL or SENTINEL_DATA_DIR for the server. */
  serverEnv: Record<string, string>;
  ceilingArgs: string[];
  databaseCpu: DatabaseCpu | undefined;
  cleanup(): Promise<void>;
}

export async function openEngine(engine: Engine, adminUrl: string, poolSize: number): Promise<{ database: Database; setup: EngineSetup }> {
  if (engine === 'postgres') {
    const scratch = await createScratchDatabase(adminUrl, 'sentinel_bench_http');
    const database = await openDatabase({ url: scratch.url, poolSize: poolSize });
    const databaseCpu = await DatabaseCpu.open(adminUrl, new URL(scratch.url).pathname.slice(1));
    return {
      database,
      setup: {
        serverEnv: { DATABASE_URL: scratch.url },
        ceilingArgs: ['pg', '--url', scratch.url, '--pool-size', String(poolSize)],
        databaseCpu,
        cleanup: async () => {
          await databaseCpu.close();
          await scratch.drop();
        },
      },
    };
  }
  // On disk, as `sentinel serve` keeps it: the data directory's pglite/ folder.
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sentinel-bench-http-'));
  const database = await openDatabase({ pgliteDir: path.join(dir, 'pglite') });
  return {
    database,
    setup: {
      serverEnv: { SENTINEL_DATA_DIR: dir },
      ceilingArgs: ['pglite', '--dir', path.join(dir, 'pglite')],
      databaseCpu: undefined,
      cleanup: () => rm(dir, { recursive: true, force: true }),
    },
  };
}
