import Fastify from 'fastify';
import { decodeJwt, decodeProtectedHeader, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sentinelAuth } from '../src/fastify.js';
import { createSentinelClient, InvalidAccessTokenError, verifyAccessToken } from '../src/index.js';
import { startSentinel, type RunningSentinel } from './sentinel-server.js';

/* Local verification for app backends, against the keys a real `sentinel serve` publishes. */
let sentinel: RunningSentinel;
let token: string;
let userId: string;
const jwksUrl = () => `${sentinel.url}/.well-known/jwks.json`;

beforeAll(async () => {
  sentinel = await startSentinel({ SENTINEL_JWT_ALGORITHM: 'ES256' });
  const client = createSentinelClient({ baseUrl: sentinel.url, apiKey: sentinel.apiKey });
  const user = await client.register({
    user_info: { username: 'grace', email: 'grace@example.com', first_name: 'Grace', last_name: 'Hopper' },
    password: 'compiler compiler',
  });
  userId = user.user_id;
  const result = await client.login({ email: 'grace@example.com', password: 'compiler compiler' });
  if (result.kind !== 'session') throw new Error('expected a session');
  token = result.session.token;
});
afterAll(async () => {
  await sentinel?.stop();
});

describe('verifyAccessToken', () => {
  it('answers the typed claims of a token, from the JWKS', async () => {
    const claims = await verifyAccessToken(token, { issuer: 'sentinel', jwksUrl: jwksUrl() });
    expect(claims).toMatchObject({
      UserID: userId,
      sub: userId,
      Email: 'grace@example.com',
      Username: 'grace',
      Operator: false,
      iss: 'sentinel',
    });
    expect(typeof claims.sid).toBe('string');
  });

  it('refuses an expired token with reason expired', async () => {
    const later = new Date((decodeJwt(token).exp! + 1) * 1000);
    const error = await verifyAccessToken(token, { issuer: 'sentinel', jwksUrl: jwksUrl(), currentDate: later }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(InvalidAccessTokenError);
    expect(error).toMatchObject({ reason: 'expired' });
  });

  // Threat: tokens that steer a verifier to the wrong key or algorithm.
  it.each([
    ['another issuer', async () => token, 'someone-else'],
    [
      'an unknown kid',
      async () =>
        new SignJWT(decodeJwt(token)).setProtectedHeader({ alg: 'ES256', kid: 'nope' }).sign((await generateKeyPair('ES256')).privateKey),
      'sentinel',
    ],
    [
      'another key under the real kid',
      async () =>
        new SignJWT(decodeJwt(token))
          .setProtectedHeader({ alg: 'ES256', kid: decodeProtectedHeader(token).kid! })
          .sign((await generateKeyPair('ES256')).privateKey),
      'sentinel',
    ],
    [
      'EdDSA under the ES256 kid',
      async () =>
        new SignJWT(decodeJwt(token))
          .setProtectedHeader({ alg: 'EdDSA', kid: decodeProtectedHeader(token).kid! })
          .sign((await generateKeyPair('EdDSA')).privateKey),
      'sentinel',
    ],
    [
      'HS256 with the public key as the secret',
      async () => {
        const { keys } = (await (await fetch(jwksUrl())).json()) as { keys: unknown[] };
        return new SignJWT(decodeJwt(token))
          .setProtectedHeader({ alg: 'HS256', kid: decodeProtectedHeader(token).kid! })
          .sign(new TextEncoder().encode(JSON.stringify(keys[0])));
      },
      'sentinel',
    ],
    ['alg none', async () => `${Buffer.from('{"alg":"none"}').toString('base64url')}.${token.split('.')[1]}.`, 'sentinel'],
  ])('refuses %s', async (_name, make, issuer) => {
    await expect(verifyAccessToken(await make(), { issuer, jwksUrl: jwksUrl() })).rejects.toMatchObject({ reason: 'invalid' });
  });

  it('verifies HS256 tokens with the shared secret when the server signs with one', async () => {
    const secret = 'a shared secret of at least thirty-two bytes';
    const now = Math.floor(Date.now() / 1000);
    const hs256 = await new SignJWT({ ...decodeJwt(token), iat: now, exp: now + 60 })
      .setProtectedHeader({ alg: 'HS256' })
      .sign(new TextEncoder().encode(secret));
    expect((await verifyAccessToken(hs256, { issuer: 'sentinel', secret })).UserID).toBe(userId);
    await expect(verifyAccessToken(hs256, { issuer: 'sentinel', secret: `${secret}!` })).rejects.toMatchObject({ reason: 'invalid' });
    // A key-set verifier takes no HS256 token, whatever it was signed with.
    await expect(verifyAccessToken(hs256, { issuer: 'sentinel', jwksUrl: jwksUrl() })).rejects.toMatchObject({ reason: 'invalid' });
  });
});

describe('the Fastify plugin', () => {
  const app = Fastify();
  beforeAll(async () => {
    await app.register(sentinelAuth, { issuer: 'sentinel', jwksUrl: jwksUrl() });
    app.get('/whoami', { onRequest: app.authenticate }, async (request) => ({ user_id: request.user!.sub, email: request.user!.Email }));
    await app.ready();
  });
  afterAll(() => app.close());

  it('sets request.user from a valid token', async () => {
    const response = await app.inject({ url: '/whoami', headers: { authorization: `Bearer ${token}` } });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ user_id: userId, email: 'grace@example.com' });
  });

  it('answers 401 problem details without a token or with a bad one', async () => {
    const missing = await app.inject({ url: '/whoami' });
    expect(missing.statusCode).toBe(401);
    expect(missing.headers['www-authenticate']).toBe('Bearer');
    expect(missing.headers['content-type']).toMatch(/application\/problem\+json/);
    const bad = await app.inject({ url: '/whoami', headers: { authorization: `Bearer ${token.slice(0, -4)}AAAA` } });
    expect(bad.statusCode).toBe(401);
    expect(bad.json()).toMatchObject({ type: 'urn:sentinel:problem:invalid_token', status: 401 });
  });
});
