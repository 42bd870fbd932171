import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers/app.js';

let t: TestApp;
let token: string;
beforeAll(async () => {
  t = await createTestApp();
  token = (await t.login(await t.createOperator())).token;
});
afterAll(() => t.close());

describe('GET /operator/overview', () => {
  it('counts accounts and apps, and logins per UTC day with the days without any', async () => {
    const before = (await t.call('GET', '/operator/overview?days=3', { token })).body;
    expect(before.days.map((entry: { day: string }) => entry.day)).toHaveLength(3);
    expect(before.days[2].day).toBe(t.clock().toISOString().slice(0, 10));

    const ada = await t.registerUser();
    const bob = await t.registerUser();
    await t.login(ada);
    await t.call('POST', '/auth/login', { body: { email: bob.email, password: 'not the password' } });
    await t.call('POST', '/operator/app/register', { token, body: { app: 'overview-notes' } });
    expect((await t.call('GET', `/operator/users/delete/${bob.email}`, { token })).status).toBe(200);

    const after = await t.call('GET', '/operator/overview?days=3', { token });
    expect(after.status).toBe(200);
    expect(after.body.users).toEqual({
      active: before.users.active + 1,
      deleted: before.users.deleted + 1,
      operators: before.users.operators,
    });
    expect(after.body.apps).toBe(before.apps + 1);
    expect(after.body.days[2].logins_succeeded).toBe(before.days[2].logins_succeeded + 1);
    expect(after.body.days[2].logins_failed).toBe(before.days[2].logins_failed + 1);
    expect(after.body.days[0]).toEqual({ day: before.days[0].day, logins_succeeded: 0, logins_failed: 0 });
  });

  it('answers 400 to a number of days out of range, and 403 to a non-operator', async () => {
    for (const days of ['0', '91', 'x']) {
      const response = await t.call('GET', `/operator/overview?days=${days}`, { token });
      expect(response.status, days).toBe(400);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    }
    const user = await t.login(await t.registerUser());
    expect((await t.call('GET', '/operator/overview', { token: user.token })).status).toBe(403);
  });
});
