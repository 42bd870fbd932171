import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerApp } from './helpers/apps.js';
import { type TestApp, type TestUser } from './helpers/app.js';
import { loggedInUser, appWithOperator, type SignedIn } from './helpers/fixtures.js';

let t: TestApp;
let operator: SignedIn;
let alice: TestUser & { token: string };
let appId: number;
beforeAll(async () => {
  ({ t, operator } = await appWithOperator());
  alice = await loggedInUser(t);
  appId = (await registerApp(t, operator.token)).id;
});
afterAll(() => t.close());

async function createProfile(): Promise<string> {
  const response = await t.call('POST', '/user/profiles/create', { token: alice.token, body: { app_id: appId, profile_data: { n: 1 } } });
  expect(response.status).toBe(201);
  return `/user/profiles/${appId}/${response.body.profile.profile_id}`;
}

/** One request over a real socket, reading the status and headers exactly as a client gets them. */
async function overHttp(
  path: string,
  headers: Record<string, string>,
): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  if (!t.app.server.listening) await t.app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = t.app.server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const request = httpRequest({ host: '127.0.0.1', port, path, headers }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers, body }));
    });
    request.on('error', reject);
    request.end();
  });
}

describe('304 Not Modified', () => {
  it('GET /user/profiles/:appid/:profile_id answers 304 with the ETag and no Content-Type or Content-Length', async () => {
    const url = await createProfile();
    const response = await t.app.inject({
      method: 'GET',
      url,
      headers: { authorization: `Bearer ${alice.token}`, 'if-none-match': '"1"' },
    });
    expect(response.statusCode).toBe(304);
    expect(response.headers.etag).toBe('"1"');
    expect(response.headers['content-type']).toBeUndefined();
    expect(response.headers['content-length']).toBeUndefined();
    expect(response.body).toBe('');
  });

  it('sends the same over a real connection, and a 200 still has its JSON headers', async () => {
    const url = await createProfile();
    const auth = { authorization: `Bearer ${alice.token}` };
    const notModified = await overHttp(url, { ...auth, 'if-none-match': '"1"' });
    expect(notModified.status).toBe(304);
    expect(notModified.headers.etag).toBe('"1"');
    expect(notModified.headers['content-type']).toBeUndefined();
    expect(notModified.headers['content-length']).toBeUndefined();
    expect(notModified.body).toBe('');

    const fresh = await overHttp(url, auth);
    expect(fresh.status).toBe(200);
    expect(fresh.headers['content-type']).toMatch(/^application\/json/);
    expect(Number(fresh.headers['content-length'])).toBe(Buffer.byteLength(fresh.body));
  });
});

describe('WWW-Authenticate on 401 (RFC 9110 15.5.2, RFC 6750 3.1)', () => {
  it('GET /auth/verify with a bad token names invalid_token and the reason', async () => {
    const response = await t.call('GET', '/auth/verify', { token: 'not-a-jwt' });
    expect(response.status).toBe(401);
    expect(response.headers['www-authenticate']).toBe('Bearer error="invalid_token", error_description="The access token is not valid"');
  });

  it('GET /auth/verify with an expired token says it expired', async () => {
    const { token } = await t.login(alice);
    t.clock.advance(15 * 60 + 1);
    try {
      const response = await t.call('GET', '/auth/verify', { token });
      expect(response.status).toBe(401);
      expect(response.headers['www-authenticate']).toMatch(/^Bearer error="invalid_token", error_description="[^"]*expired[^"]*"$/);
    } finally {
      t.clock.advance(-(15 * 60 + 1));
    }
  });

  it('an operator route challenges a logged-out token, and a valid non-operator token gets 403 without a challenge', async () => {
    const user = await loggedInUser(t);
    const forbidden = await t.call('GET', '/operator/users', { token: user.token });
    expect(forbidden.status).toBe(403);
    expect(forbidden.headers['www-authenticate']).toBeUndefined();

    expect((await t.call('GET', '/auth/logout', { token: user.token })).status).toBe(200);
    const ended = await t.call('GET', '/operator/users', { token: user.token });
    expect(ended.status).toBe(401);
    expect(ended.headers['www-authenticate']).toMatch(/^Bearer error="invalid_token", error_description="[^"]+"$/);
  });

  it('X-API-KEY routes challenge with ApiKey when the key is missing or wrong', async () => {
    for (const apiKey of [null, 'sk_wrong_key_0123456789']) {
      const response = await t.call('POST', '/auth/login', { apiKey, body: { email: alice.email, password: alice.password } });
      expect(response.status).toBe(401);
      expect(response.body.type).toBe('urn:sentinel:problem:invalid_api_key');
      expect(response.headers['www-authenticate']).toBe('ApiKey header="X-API-KEY"');
    }
  });

  it('POST /auth/login with a wrong password is 401 without a challenge: the key was fine', async () => {
    const response = await t.call('POST', '/auth/login', { body: { email: alice.email, password: 'wrong password' } });
    expect(response.status).toBe(401);
    expect(response.body.type).toBe('urn:sentinel:problem:invalid_credentials');
    expect(response.headers['www-authenticate']).toBeUndefined();
  });
});

describe('unknown query parameters', () => {
  it('are ignored on every kind of route (a cache-buster ?_=1), while bad known ones are still 400', async () => {
    const url = await createProfile();
    const cases: [string, string | undefined][] = [
      ['/app/all?_=1', undefined],
      ['/health?_=1', undefined],
      [`/user/profiles/${appId}?_=1&utm_source=mail`, alice.token],
      [`${url}?_=1`, alice.token],
      ['/operator/users?_=1&limit=5', operator.token],
      ['/operator/audit?_=1', operator.token],
      ['/auth/verify?_=1', alice.token],
    ];
    for (const [path, token] of cases) {
      const response = await t.call('GET', path, token ? { token } : {});
      expect(response.status, path).toBe(200);
    }
    expect((await t.call('GET', '/operator/users?_=1&limit=0', { token: operator.token })).status).toBe(400);
  });

  it('in a body are still refused', async () => {
    const response = await t.call('POST', '/user/profiles/create', { token: alice.token, body: { app_id: appId, profile_data: {}, _: 1 } });
    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual([{ path: '/_', message: 'is not a known field' }]);
  });
});

describe('Location on creates', () => {
  it('POST /operator/app/register answers 201 with the Location of the new app, which GET answers', async () => {
    const response = await t.call('POST', '/operator/app/register', {
      token: operator.token,
      body: { app: 'located-app', description: 'x', domains: [] },
    });
    expect(response.status).toBe(201);
    expect(response.headers.location).toBe(`/operator/app/${response.body.app.app_id}`);
    const read = await t.call('GET', response.headers.location as string, { token: operator.token });
    expect(read.body.app.app_id).toBe(response.body.app.app_id);
  });

  it('POST /operator/profile/register answers 201 with the Location of the new user, which GET answers', async () => {
    const response = await t.call('POST', '/operator/profile/register', {
      token: operator.token,
      body: { user_info: { username: 'located', email: 'located@example.com' }, password: 'correct horse battery' },
    });
    expect(response.status).toBe(201);
    expect(response.headers.location).toBe(`/operator/users/${response.body.user.user_id}`);
    const read = await t.call('GET', response.headers.location as string, { token: operator.token });
    expect(read.body.user.email).toBe('located@example.com');
  });
});
