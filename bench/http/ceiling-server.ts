/**
 * The ceilings of the HTTP benchmark: what the same Fastify (same version, same machine)
 * serves when it does nothing but the essential work of a path. Runs as a process of its
 * own, like the server, and prints READY when it listens.
 *
 *   node --import tsx bench/http/ceiling-server.ts bare --port P
 *   node --import tsx bench/http/ceiling-server.ts pg --url postgres://... --port P [--pool-size 10]
 *   node --import tsx bench/http/ceiling-server.ts pglite --dir DATA_DIR/pglite --port P
 *
 * bare: GET /bare answers a fixed JSON object shaped like /auth/verify's answer.
 * pg, pglite: GET /profiles/:appid (the user id in X-User-Id) sends the query of
 * GET /user/profiles/:appid straight to the database and answers through the same response
 * schema: one round trip, no logging, no hooks.
 */
import { PGlite } from '@electric-sql/pglite';
import Fastify from 'fastify';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { LIST_IN_APP } from '../../src/modules/profiles/profiles-repository.js';
import { ProfileList } from '../../src/modules/profiles/schemas.js';

const { values: options, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    port: { type: 'string' },
    url: { type: 'string' },
    dir: { type: 'string' },
    'pool-size': { type: 'string', default: '10' },
  },
});
const mode = positionals[0];

/** ProfilesRepository.listInApp's own statement and row: the app's row joined with the page of profiles. */
const LIST_SQL = LIST_IN_APP.text;

interface Row {
  id: string | null;
  userId: string;
  appId: number;
  profileData: unknown;
  version: number;
  createdAt: Date | string;
  updatedAt: Date | string;
}

const iso = (value: Date | string) => (value instanceof Date ? value : new Date(value)).toISOString();

const app = Fastify({ logger: false });

if (mode === 'bare') {
  const answer = {
    valid: true,
    user: {
      user_id: '0b6f3c1e-6d0a-4f57-9a3e-2f4f7c9d8e21',
      username: 'bench1',
      email: 'bench1@example.com',
      first_name: 'First',
      last_name: 'Last',
      operator: false,
      otp_enabled: false,
      created_at: '2025-01-01T00:00:00.000Z',
      updated_at: '2025-01-01T00:00:00.000Z',
      deleted_at: null,
    },
    expires_at: '2025-01-01T00:15:00.000Z',
  };
  app.get('/bare', async () => answer);
} else if (mode === 'pg' || mode === 'pglite') {
  let query: (values: unknown[]) => Promise<Row[]>;
  if (mode === 'pg') {
    const pool = new pg.Pool({ connectionString: options.url, max: Number(options['pool-size']) });
    // Named, so each connection parses and plans it once: as Sentinel's prepared statement does.
    query = async (values) => (await pool.query<Row>({ name: LIST_IN_APP.name, text: LIST_SQL, values })).rows;
  } else {
    const client = await PGlite.create(options.dir!);
    query = async (values) => (await client.query<Row>(LIST_SQL, values)).rows;
  }
  app.get<{ Params: { appid: string } }>('/profiles/:appid', { schema: { response: { 200: ProfileList } } }, async (request, reply) => {
    const rows = await query([request.headers['x-user-id'], Number(request.params.appid), 51, 0]);
    if (rows.length === 0) return reply.code(404).send();
    return {
      profiles: rows
        .filter((row) => row.id !== null)
        .map((row) => ({
          profile_id: row.id,
          user_id: row.userId,
          app_id: row.appId,
          profile_data: row.profileData,
          version: row.version,
          created_at: iso(row.createdAt),
          updated_at: iso(row.updatedAt),
        })),
      next_cursor: null,
    };
  });
} else {
  throw new Error(`unknown ceiling ${mode}: bare, pg or pglite`);
}

await app.listen({ host: '127.0.0.1', port: Number(options.port) });
process.stdout.write('READY\n');
process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
