import { decodeJwt, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp, type TestUser } from './helpers/app.js';

let t: TestApp;
let alice: TestUser;
let token: string;
beforeAll(async () => {
  t = await createTestApp();
  alice = await t.registerUser();
  token = (await t.login(alice)).token;
});
afterAll(() => t.close());

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

async function forge(secret: string, claims: Record<string, unknown>, header: Record<string, unknown> = { alg: 'HS256' }) {
  return new SignJWT(claims).setProtectedHeader(header as { alg: string }).sign(new TextEncoder().encode(secret));
}

describe('GET /auth/verify', () => {
  it('answers the user and when the token expires', async () => {
    const response = await t.call('GET', '/auth/verify', { token });
    expect(response.status).toBe(200);
    expect(response.body.valid).toBe(true);
    expect(response.body.user.user_id).toBe(alice.id);
    expect(response.body.expires_at).toBe(new Date(decodeJwt(token).exp! * 1000).toISOString());
  });

  it('answers 401 with WWW-Authenticate when no token is sent', async () => {
    const response = await t.call('GET', '/auth/verify');
    expect(response.status).toBe(401);
    expect(response.headers['www-authenticate']).toBe('Bearer');
    expect(response.body.type).toBe('urn:sentinel:problem:unauthorized');
  });

  it('refuses an expired token', async () => {
    t.clock.advance(15 * 60 + 1);
    try {
      const response = await t.call('GET', '/auth/verify', { token });
      expect(response.status).toBe(401);
      expect(response.body.detail).toMatch(/expired/);
    } finally {
      t.clock.advance(-(15 * 60 + 1));
    }
  });

  // Threat: forged tokens. Each of these must be refused without touching the database.
  it.each([
    ['not a JWT', async () => 'not-a-jwt'],
    ['three garbage segments', async () => 'aaa.bbb.ccc'],
    ['a truncated signature', async () => token.slice(0, -5)],
    [
      'a payload changed after signing',
      async () => {
        const [header, , signature] = token.split('.');
        return `${header}.${b64({ ...decodeJwt(token), Operator: true })}.${signature}`;
      },
    ],
    ['alg none', async () => `${b64({ alg: 'none', typ: 'JWT' })}.${b64(decodeJwt(token))}.`],
    ['another secret', async () => forge('another secret that is long enough!!', { ...decodeJwt(token) })],
    [
      'HS512 with the right claims but another secret',
      async () => forge('another secret that is long enough!!', { ...decodeJwt(token) }, { alg: 'HS512' }),
    ],
  ])('refuses a token that is %s', async (_name, make) => {
    const response = await t.call('GET', '/auth/verify', { token: await make() });
    expect(response.status).toBe(401);
    expect(response.body.type).toBe('urn:sentinel:problem:invalid_token');
  });

  it('refuses a well-signed token from another issuer or without a session id', async () => {
    const secret = t.config.jwtSecret!;
    const now = Math.floor(Date.now() / 1000);
    const claims: Record<string, unknown> = { ...decodeJwt(token), iat: now, exp: now + 60 };
    const otherIssuer = await forge(secret, { ...claims, iss: 'someone-else' });
    expect((await t.call('GET', '/auth/verify', { token: otherIssuer })).status).toBe(401);
    const { sid: _sid, ...withoutSid } = claims;
    expect((await t.call('GET', '/auth/verify', { token: await forge(secret, withoutSid) })).status).toBe(401);
    // The same claims, correctly signed, pass: the two refusals above are about iss and sid.
    expect((await t.call('GET', '/auth/verify', { token: await forge(secret, claims) })).status).toBe(200);
  });

  it('refuses a malformed Authorization header', async () => {
    for (const header of ['Basic abc', 'Bearer', `Bearer ${token} extra`, token]) {
      const response = await t.call('GET', '/auth/verify', { headers: { authorization: header } });
      expect(response.status).toBe(401);
    }
  });

  it('answers 401 for a revoked token within the same second as logout', async () => {
    const session = await t.login(alice);
    expect((await t.call('GET', '/auth/verify', { token: session.token })).status).toBe(200);
    const started = Date.now();
    expect((await t.call('GET', '/auth/logout', { token: session.token })).status).toBe(200);
    const response = await t.call('GET', '/auth/verify', { token: session.token });
    expect(response.status).toBe(401);
    expect(response.body.detail).toMatch(/session has ended/);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
