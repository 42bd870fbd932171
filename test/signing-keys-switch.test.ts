import type { FastifyInstance } from 'fastify';
import { decodeJwt, decodeProtectedHeader, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { openDatabase } from '../src/db/client.js';
import type { TokenAlgorithm } from '../src/modules/keys/algorithms.js';
import { anotherProcess, createTestApp, testEngine, type TestApp, type TestUser } from './helpers/app.js';

const RETIRES_AFTER = 15 * 60 + 60;

/** The same installation restarted with another SENTINEL_JWT_ALGORITHM (same database, secrets and clock). */
async function restartWith(t: TestApp, jwtAlgorithm: TokenAlgorithm): Promise<FastifyInstance> {
  const app = await buildApp({
    config: { ...t.config, jwtAlgorithm },
    database: t.database,
    secrets: t.secrets,
    clock: t.clock,
    logger: false,
  });
  await app.ready();
  return app;
}

const verify = async (app: FastifyInstance, token: string) =>
  (await app.inject({ method: 'GET', url: '/auth/verify', headers: { authorization: `Bearer ${token}` } })).statusCode;
/** Logs `user` in through `app` and answers the access token. */
async function loginOn(app: FastifyInstance, t: TestApp, user: TestUser): Promise<string> {
  const response = await app.inject({
    method: 'POST',
    url: '/auth/login',
    headers: { 'x-api-key': t.config.apiKey! },
    payload: { email: user.email, password: user.password },
  });
  return response.json().token;
}
const jwks = async (app: FastifyInstance) => (await app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json().keys;

describe('switching the algorithm of a running installation', () => {
  let t: TestApp;
  let alice: TestUser;
  const apps: FastifyInstance[] = [];
  beforeAll(async () => {
    t = await createTestApp();
    alice = await t.registerUser();
  });
  afterAll(async () => {
    for (const app of apps) await app.close();
    await t.close();
  });

  it('HS256 to EdDSA: tokens signed before keep working until they expire, and later HS256 tokens are refused', async () => {
    const before = (await t.login(alice)).token;
    const eddsa = await restartWith(t, 'EdDSA');
    apps.push(eddsa);

    expect(await verify(eddsa, before)).toBe(200);
    expect(decodeProtectedHeader(await loginOn(eddsa, t, alice)).alg).toBe('EdDSA');

    t.clock.advance(RETIRES_AFTER + 1);
    try {
      // Threat: the old shared secret leaks after the switch. Tokens it signs are no longer accepted.
      const now = Math.floor(t.clock().getTime() / 1000);
      const late = await new SignJWT({ ...decodeJwt(before), iat: now, exp: now + 600 })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .sign(new TextEncoder().encode(t.config.jwtSecret!));
      expect(await verify(eddsa, late)).toBe(401);
    } finally {
      t.clock.advance(-(RETIRES_AFTER + 1));
    }
  });

  it('EdDSA back to HS256: EdDSA tokens verify until they expire, and their key stays published until then', async () => {
    const eddsa = apps[0]!;
    const signedByKey = await loginOn(eddsa, t, alice);
    const kid = decodeProtectedHeader(signedByKey).kid;

    const hs256 = await restartWith(t, 'HS256');
    apps.push(hs256);
    expect(await verify(hs256, signedByKey)).toBe(200);
    expect((await jwks(hs256)).map((key: { kid: string }) => key.kid)).toEqual([kid]);
    expect(decodeProtectedHeader(await loginOn(hs256, t, alice))).toEqual({ alg: 'HS256', typ: 'JWT' });

    t.clock.advance(RETIRES_AFTER + 1);
    try {
      expect(await jwks(hs256)).toEqual([]);
    } finally {
      t.clock.advance(-(RETIRES_AFTER + 1));
    }
  });

  it('EdDSA to ES256: a start with another key-pair algorithm replaces the key the same way', async () => {
    const eddsa = await restartWith(t, 'EdDSA');
    apps.push(eddsa);
    const signed = await loginOn(eddsa, t, alice);
    const es256 = await restartWith(t, 'ES256');
    apps.push(es256);
    expect(await verify(es256, signed)).toBe(200);
    const [signer, ...replaced] = await jwks(es256);
    expect(signer.alg).toBe('ES256');
    expect(replaced.map((key: { kid: string }) => key.kid)).toContain(decodeProtectedHeader(signed).kid);
  });
});

/*
 * Several `sentinel serve` processes on one PostgreSQL sign and verify with the same keys:
 * a rotation through one is used by the others.
 */
describe.runIf(testEngine === 'postgres')('signing keys across processes on one PostgreSQL', () => {
  let a: TestApp;
  let b: Awaited<ReturnType<typeof anotherProcess>>;
  beforeAll(async () => {
    a = await createTestApp({ env: { SENTINEL_JWT_ALGORITHM: 'EdDSA' } });
    // A slow poll, so only NOTIFY and the lookup of an unknown kid can make the tests pass in time.
    b = await anotherProcess(a, { revocationPollMs: 60_000 });
  });
  afterAll(async () => {
    await b.close();
    await a.close();
  });

  it('B verifies a token signed by the key A rotated in, and B signs with it too', async () => {
    const operator = await a.createOperator();
    const rotation = await a.call('POST', '/operator/keys/rotate', { token: (await a.login(operator)).token });
    const kid = rotation.body.key.kid;
    const token = (await a.login(await a.registerUser())).token;
    expect(decodeProtectedHeader(token).kid).toBe(kid);
    expect(await verify(b.app, token)).toBe(200);

    const user = await a.registerUser();
    const deadline = Date.now() + 2000;
    let signedBy: unknown;
    while (Date.now() < deadline && signedBy !== kid) {
      signedBy = decodeProtectedHeader(await loginOn(b.app, a, user)).kid;
    }
    expect(signedBy).toBe(kid);
  });

  it('two processes starting together with a new algorithm make one key between them', async () => {
    const start = async () => {
      const database = await openDatabase({ url: a.databaseUrl });
      const app = await buildApp({ config: { ...a.config, jwtAlgorithm: 'RS256' }, database, secrets: a.secrets, logger: false });
      await app.ready();
      return { app, database };
    };
    const started = await Promise.all([start(), start()]);
    try {
      const rows = await a.database.db.query.signingKeys.findMany();
      expect(rows.filter((key) => key.alg === 'RS256')).toHaveLength(1);
      expect(rows.filter((key) => key.supersededAt === null).map((key) => key.alg)).toEqual(['RS256']);
    } finally {
      for (const { app, database } of started) {
        await app.close();
        await database.close();
      }
    }
  });
});
