/**
 * GET /user/export of one user holding many large profiles, through a real listening server on
 * PostgreSQL: how much memory the server needs while the document goes out, and how long it takes.
 *
 *   node --expose-gc --import tsx bench/export-memory.ts [--profiles 2250] [--kib 250]
 *
 * The profiles are written straight in SQL (the per-user limits would refuse this much through
 * the API unless raised): each holds one string of about --kib KiB. The client reads the answer
 * as a stream and only counts its bytes, so the figures are the server's. PostgreSQL:
 * BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres), a user allowed to
 * CREATE DATABASE; the benchmark works in a database of its own and drops it. Never run by `npm test`.
 */
import { sql } from 'drizzle-orm';
import { parseArgs } from 'node:util';
import { openDatabase, queryRows } from '../src/db/client.js';
import { createScratchDatabase } from '../test/helpers/database.js';
import { startBenchServer } from './server.js';

const { values: options } = parseArgs({
  options: { profiles: { type: 'string', default: '2250' }, kib: { type: 'string', default: '250' } },
});
const PROFILES = Number(options.profiles);
const KIB = Number(options.kib);
const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const gc = (globalThis as { gc?: () => void }).gc;
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;

const scratch = await createScratchDatabase(ADMIN_URL, 'sentinel_bench');
const database = await openDatabase({ url: scratch.url, poolSize: 10 });
try {
  const { app, services, base, context, operator } = await startBenchServer(database, {
    SENTINEL_MAX_PROFILES_PER_USER_APP: '1000000',
    SENTINEL_MAX_PROFILE_BYTES_PER_USER: '64GiB',
  });
  try {
    const appId = (await services.apps.appService.register({ app: 'bench' }, { actorUserId: operator.id, context })).app.id;
    const user = await services.accounts.register(
      { user_info: { username: 'exporter', email: 'exporter@example.com' }, password: 'bench password' },
      context,
    );
    const { access } = await services.sessions.startSession(user, context);
    // One md5 is 32 characters: 32 per KiB.
    const [column] = await queryRows<{ exists: boolean }>(
      database.db,
      sql`SELECT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 'profiles' AND column_name = 'data_bytes') AS exists`,
    );
    const blob = sql`jsonb_build_object('n', i, 'blob', repeat(md5(i::text), ${KIB * 32}))`;
    await database.db.execute(
      column?.exists
        ? sql`INSERT INTO profiles (user_id, app_id, profile_data, data_bytes)
              SELECT ${user.id}, ${appId}, ${blob}, ${KIB * 1024 + 20} FROM generate_series(1, ${PROFILES}) AS i`
        : sql`INSERT INTO profiles (user_id, app_id, profile_data)
              SELECT ${user.id}, ${appId}, ${blob} FROM generate_series(1, ${PROFILES}) AS i`,
    );

    gc?.();
    const before = process.memoryUsage();
    const peak = { rss: before.rss, heapUsed: before.heapUsed, external: before.external + before.arrayBuffers };
    const timer = setInterval(() => {
      const now = process.memoryUsage();
      peak.rss = Math.max(peak.rss, now.rss);
      peak.heapUsed = Math.max(peak.heapUsed, now.heapUsed);
      peak.external = Math.max(peak.external, now.external + now.arrayBuffers);
    }, 10);
    const started = performance.now();
    let status = 0;
    let bytes = 0;
    let error: string | undefined;
    try {
      const response = await fetch(`${base}/user/export`, { headers: { authorization: `Bearer ${access.token}` } });
      status = response.status;
      for await (const chunk of response.body!) bytes += (chunk as Uint8Array).byteLength;
    } catch (caught) {
      error = String((caught as Error).cause ?? caught);
    } finally {
      clearInterval(timer);
    }
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `GET /user/export, ${PROFILES} profiles of ${KIB} KiB (${mib(PROFILES * KIB * 1024)} of profile_data), PostgreSQL, node ${process.version}`,
    );
    console.log(`status ${status}${error ? ` (${error})` : ''}, ${mib(bytes)} received in ${seconds.toFixed(1)} s`);
    console.log(
      `RSS ${mib(before.rss)} -> peak ${mib(peak.rss)}; heap ${mib(before.heapUsed)} -> peak ${mib(peak.heapUsed)}; external+buffers ${mib(before.external + before.arrayBuffers)} -> peak ${mib(peak.external)}`,
    );
  } finally {
    await app.close();
  }
} finally {
  await database.close();
  await scratch.drop();
}
