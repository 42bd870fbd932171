import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { openDatabase, type Database } from '../src/db/client.js';
import { createTestApp, testEngine, type TestApp } from './helpers/app.js';
import { sha256Hex } from '../src/crypto/secrets.js';

/*
 * Scaling out means several stateless `sentinel serve` processes on one PostgreSQL.
 * A session revoked through one must be refused by the others at once.
 */
describe.runIf(testEngine === 'postgres')('revocation across processes on one PostgreSQL', () => {
  let a: TestApp;
  let otherDatabase: Database;
  let b: Awaited<ReturnType<typeof buildApp>>;

  beforeAll(async () => {
    a = await createTestApp();
    // A second app on the same database, as a second process would be.
    otherDatabase = await openDatabase({ url: a.databaseUrl });
    b = await buildApp({
      config: a.config,
      database: otherDatabase,
      secrets: { jwtSecret: a.config.jwtSecret!, bootstrapApiKeyHash: sha256Hex(a.config.apiKey!) },
      logger: false,
      // A slow poll, so only LISTEN/NOTIFY can make the test pass in time.
      revocationPollMs: 60_000,
    });
    await b.ready();
  });
  afterAll(async () => {
    await b.close();
    await otherDatabase.close();
    await a.close();
  });

  it('refuses on B, within a second, a token logged out through A', async () => {
    const user = await a.registerUser();
    const session = await a.login(user);
    const verifyOnB = () => b.inject({ method: 'GET', url: '/auth/verify', headers: { authorization: `Bearer ${session.token}` } });
    expect((await verifyOnB()).statusCode).toBe(200);

    expect((await a.call('GET', '/auth/logout', { token: session.token })).status).toBe(200);
    const deadline = Date.now() + 1000;
    let status = 200;
    while (Date.now() < deadline && status === 200) {
      status = (await verifyOnB()).statusCode;
      if (status === 200) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(status).toBe(401);
  });

  it('loads sessions revoked before it started', async () => {
    const user = await a.registerUser();
    const session = await a.login(user);
    await a.call('GET', '/auth/logout', { token: session.token });
    const late = await openDatabase({ url: a.databaseUrl });
    const c = await buildApp({
      config: a.config,
      database: late,
      secrets: { jwtSecret: a.config.jwtSecret!, bootstrapApiKeyHash: sha256Hex(a.config.apiKey!) },
      logger: false,
    });
    try {
      await c.ready();
      const response = await c.inject({ method: 'GET', url: '/auth/verify', headers: { authorization: `Bearer ${session.token}` } });
      expect(response.statusCode).toBe(401);
    } finally {
      await c.close();
      await late.close();
    }
  });
});
