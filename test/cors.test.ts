import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestApp, unique } from './helpers/app.js';
import { appWithOperator, type SignedIn } from './helpers/fixtures.js';

/* Browser apps call Sentinel from their registered domains; other origins get no CORS grant. */
let t: TestApp;
let op: SignedIn;
let appId: number;
beforeAll(async () => {
  ({ t, operator: op } = await appWithOperator());
  const created = await t.call('POST', '/operator/app/register', {
    token: op.token,
    body: { app: unique('notes'), description: 'Notes', domains: ['notes.example.com', '*.example.org'] },
  });
  expect(created.status).toBe(201);
  appId = created.body.app.app_id;
});
afterAll(() => t.close());

const preflight = (origin: string) =>
  t.app.inject({
    method: 'OPTIONS',
    url: '/auth/login',
    headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-api-key' },
  });

describe('CORS from registered app domains', () => {
  it.each(['https://notes.example.com', 'http://notes.example.com:8443', 'https://eu.example.org'])('grants %s', async (origin) => {
    const response = await preflight(origin);
    expect(response.statusCode).toBe(204);
    expect(response.headers['access-control-allow-origin']).toBe(origin);
    expect(String(response.headers['access-control-allow-headers']).toLowerCase()).toContain('x-api-key');
    expect(response.headers['access-control-allow-credentials']).toBeUndefined();
  });

  it.each(['https://evil.example.net', 'https://example.org', 'https://notes.example.com.evil.net', 'null'])(
    'grants nothing to %s',
    async (origin) => {
      const response = await preflight(origin);
      expect(response.headers['access-control-allow-origin']).toBeUndefined();
    },
  );

  it('marks simple responses for a registered origin and exposes ETag', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/app/all', headers: { origin: 'https://notes.example.com' } });
    expect(response.statusCode).toBe(200);
    expect(response.headers['access-control-allow-origin']).toBe('https://notes.example.com');
    expect(String(response.headers['access-control-expose-headers'])).toContain('ETag');
  });

  it('stops granting a domain as soon as its app drops it', async () => {
    const updated = await t.call('PATCH', `/operator/app/${appId}`, { token: op.token, body: { domains: ['*.example.org'] } });
    expect(updated.status).toBe(200);
    expect((await preflight('https://notes.example.com')).headers['access-control-allow-origin']).toBeUndefined();
    expect((await preflight('https://eu.example.org')).headers['access-control-allow-origin']).toBe('https://eu.example.org');
  });

  it('answers requests without an Origin with Vary: Origin and no grant, and refuses a preflight without one', async () => {
    const plain = await t.app.inject({ method: 'GET', url: '/app/all' });
    expect(plain.statusCode).toBe(200);
    expect(plain.headers.vary).toBe('Origin');
    expect(plain.headers['access-control-allow-origin']).toBeUndefined();
    const granted = await t.app.inject({ method: 'GET', url: '/app/all', headers: { origin: 'https://eu.example.org' } });
    expect(granted.headers.vary).toBe('Origin');
    const noOrigin = await t.app.inject({ method: 'OPTIONS', url: '/auth/login', headers: { 'access-control-request-method': 'POST' } });
    expect(noOrigin.statusCode).toBe(404);
    expect(noOrigin.headers['access-control-allow-methods']).toBeUndefined();
  });
});
