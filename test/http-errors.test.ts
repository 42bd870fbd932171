import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { users } from '../src/db/schema.js';
import { createTestApp, type TestApp } from './helpers/app.js';
import { stored } from './helpers/stored.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const userCount = () => stored(t.database).count(users);

function expectProblem(response: { status: number; body: any; headers: Record<string, unknown> }, status: number, code: string) {
  expect(response.status).toBe(status);
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(response.body).toMatchObject({ type: `urn:sentinel:problem:${code}`, status });
  expect(typeof response.body.title).toBe('string');
  expect(typeof response.body.detail).toBe('string');
  expect(JSON.stringify(response.body)).not.toMatch(/at .*\.(ts|js):\d+/);
}

describe('errors are RFC 9457 problem details on every failure path', () => {
  it('404 for an unknown route', async () => {
    expectProblem(await t.call('GET', '/no/such/route'), 404, 'route_not_found');
    expectProblem(await t.call('DELETE', '/auth/login'), 404, 'route_not_found');
  });

  it('400 for malformed JSON, without echoing the body', async () => {
    const response = await t.call('POST', '/auth/login', {
      payload: '{"email": "a@example.com", "password": "hunter2-secret',
      headers: { 'content-type': 'application/json' },
    });
    expectProblem(response, 400, 'malformed_json');
    expect(response.text).not.toContain('hunter2-secret');
  });

  it('400 for an empty JSON body', async () => {
    const response = await t.call('POST', '/auth/login', { payload: '', headers: { 'content-type': 'application/json' } });
    expectProblem(response, 400, 'malformed_json');
  });

  it('400 for a missing body', async () => {
    expectProblem(await t.call('POST', '/auth/login'), 400, 'validation_failed');
  });

  it('415 for a body that is not JSON, and for merge-patch on a JSON route', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/xml', 'application/merge-patch+json']) {
      const response = await t.call('POST', '/auth/login', {
        payload: '{"email":"a@example.com","password":"x"}',
        headers: { 'content-type': type },
      });
      expectProblem(response, 415, 'unsupported_media_type');
    }
  });

  it('accepts application/json with a charset', async () => {
    const user = await t.registerUser();
    const response = await t.call('POST', '/auth/login', {
      payload: JSON.stringify({ email: user.email, password: user.password }),
      headers: { 'content-type': 'application/json; charset=utf-8' },
    });
    expect(response.status).toBe(200);
  });

  it('413 for a 10 MiB body to a small endpoint, and nothing is written', async () => {
    const before = await userCount();
    const huge = JSON.stringify({
      user_info: { username: 'huge', email: 'huge@example.com' },
      password: 'x'.repeat(10 * 1024 * 1024),
    });
    const response = await t.call('POST', '/auth/register', { payload: huge, headers: { 'content-type': 'application/json' } });
    expectProblem(response, 413, 'payload_too_large');
    expect(response.body.detail).toContain('1 MiB');
    expect(await userCount()).toBe(before);
  });

  it('400 for JSON nested 100,000 levels deep, not a crash', async () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    const response = await t.call('POST', '/auth/login', { payload: deep, headers: { 'content-type': 'application/json' } });
    expect(response.status).toBe(400);
    // The server is still answering.
    expect((await t.call('GET', '/health')).status).toBe(200);
  });

  it('400 for a NUL byte or a lone surrogate in a query string', async () => {
    expectProblem(await t.call('GET', '/app/all?cursor=%00'), 400, 'invalid_text');
    const lone = await t.call('POST', '/auth/login', {
      payload: '{"email":"\\ud800@example.com","password":"whatever1"}',
      headers: { 'content-type': 'application/json' },
    });
    expectProblem(lone, 400, 'invalid_text');
  });

  it('400 naming the parameter for a bad query string', async () => {
    const response = await t.call('GET', '/app/all?limit=0');
    expectProblem(response, 400, 'validation_failed');
    expect(response.body.errors).toEqual([{ path: 'querystring/limit', message: expect.any(String) }]);
    expectProblem(await t.call('GET', '/app/all?limit=1001'), 400, 'validation_failed');
    expectProblem(await t.call('GET', '/app/all?limit=abc'), 400, 'validation_failed');
    expectProblem(await t.call('GET', '/app/all?cursor=not-a-cursor'), 400, 'validation_failed');
  });

  it('keeps __proto__ keys from changing any object (unknown fields are refused)', async () => {
    const response = await t.call('POST', '/auth/login', {
      payload: '{"email":"a@example.com","password":"whatever1","__proto__":{"operator":true}}',
      headers: { 'content-type': 'application/json' },
    });
    expectProblem(response, 400, 'validation_failed');
    expect(response.body.errors[0].path).toBe('/__proto__');
    expect(({} as Record<string, unknown>).operator).toBeUndefined();
  });
});

describe('ids in the URL and body', () => {
  it('answers 400, not a database error, for a urn:uuid user id (ajv accepts it, PostgreSQL does not)', async () => {
    const operator = await t.createOperator();
    const { token } = await t.login(operator);
    const urn = 'urn:uuid:72c9c71b-98dc-4606-826f-bb2784d68446';
    expectProblem(await t.call('POST', '/operator/userinfo', { token, body: { user_id: urn } }), 400, 'validation_failed');
    expectProblem(await t.call('GET', `/operator/users/${urn}/sessions`, { token }), 400, 'validation_failed');
  });
});

describe('GET /health', () => {
  it('answers 200 with the engine', async () => {
    const response = await t.call('GET', '/health');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: 'ok', database: t.database.engine });
  });
});

describe('GET /app/all', () => {
  it('answers an empty list before any app exists', async () => {
    const response = await t.call('GET', '/app/all', { apiKey: null });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ apps: [], next_cursor: null });
  });
});
