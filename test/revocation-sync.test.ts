import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anotherProcess, createTestApp, testEngine, type TestApp } from './helpers/app.js';

/*
 * Scaling out means several stateless `sentinel serve` processes on one PostgreSQL.
 * A session revoked through one must be refused by the others at once.
 */
describe.runIf(testEngine === 'postgres')('revocation across processes on one PostgreSQL', () => {
  let a: TestApp;
  let b: Awaited<ReturnType<typeof anotherProcess>>;

  beforeAll(async () => {
    a = await createTestApp();
    // A slow poll, so only LISTEN/NOTIFY can make the test pass in time.
    b = await anotherProcess(a, { revocationPollMs: 60_000 });
  });
  afterAll(async () => {
    await b.close();
    await a.close();
  });

  it('refuses on B, within a second, a token logged out through A', async () => {
    const user = await a.registerUser();
    const session = await a.login(user);
    const verifyOnB = () => b.app.inject({ method: 'GET', url: '/auth/verify', headers: { authorization: `Bearer ${session.token}` } });
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
    const c = await anotherProcess(a);
    try {
      const response = await c.app.inject({ method: 'GET', url: '/auth/verify', headers: { authorization: `Bearer ${session.token}` } });
      expect(response.statusCode).toBe(401);
    } finally {
      await c.close();
    }
  });
});
