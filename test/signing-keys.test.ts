import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, generateKeyPair, importPKCS8, jwtVerify, SignJWT } from 'jose';
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretBox } from '../src/crypto/secret-box.js';
import { createTestApp, type TestApp, type TestUser } from './helpers/app.js';

const TTL = 15 * 60;
/** A replaced key verifies one token lifetime and a minute more (RETIREMENT_MARGIN_SECONDS). */
const RETIRES_AFTER = TTL + 60;
const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Serves `t` on a free port, so verifiers that know only a URL (jose's remote JWKS) can reach it. */
async function serve(t: TestApp): Promise<string> {
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const address = t.app.server.address();
  if (!address || typeof address === 'string') throw new Error('not listening');
  return `http://127.0.0.1:${address.port}`;
}

/** What an app does: fetch the key set from the URL and verify, with no code of this project. */
async function verifyWithRemoteJwks(baseUrl: string, token: string, t: TestApp) {
  const jwks = createRemoteJWKSet(new URL('/.well-known/jwks.json', baseUrl));
  return jwtVerify(token, jwks, { issuer: 'sentinel', currentDate: t.clock() });
}

/** A Python with PyJWT (Debian: python3-jwt), if this machine has one: a verifier from another language. */
const pythonWithJwt = ['/usr/bin/python3', 'python3'].find(
  (python) => spawnSync(python, ['-c', 'import jwt, cryptography'], { stdio: 'ignore' }).status === 0,
);

const PYJWT_VERIFY = `
import json, sys, jwt
url, token = sys.argv[1], sys.argv[2]
key = jwt.PyJWKClient(url).get_signing_key_from_jwt(token)
print(json.dumps(jwt.decode(token, key.key, algorithms=["EdDSA"], issuer="sentinel")))
`;

describe('SENTINEL_JWT_ALGORITHM=EdDSA', () => {
  let t: TestApp;
  let baseUrl: string;
  let alice: TestUser;
  let token: string;

  beforeAll(async () => {
    t = await createTestApp({ env: { SENTINEL_JWT_ALGORITHM: 'EdDSA' } });
    baseUrl = await serve(t);
    alice = await t.registerUser();
    token = (await t.login(alice)).token;
  });
  afterAll(() => t.close());

  it('signs login tokens with EdDSA, naming the key, and a remote-JWKS verifier accepts them with the contract claims', async () => {
    const header = decodeProtectedHeader(token);
    expect(header).toMatchObject({ alg: 'EdDSA', typ: 'JWT' });
    expect(header.kid).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const { payload, protectedHeader } = await verifyWithRemoteJwks(baseUrl, token, t);
    expect(protectedHeader.kid).toBe(header.kid);
    expect(payload).toMatchObject({ UserID: alice.id, sub: alice.id, Email: alice.email, Username: alice.username, Operator: false });
    expect(payload.iss).toBe('sentinel');
    expect(payload.exp! - payload.iat!).toBe(TTL);
    expect(typeof payload.sid).toBe('string');
    expect(typeof payload.jti).toBe('string');
    expect((await t.call('GET', '/auth/verify', { token })).body.user.user_id).toBe(alice.id);
  });

  it.runIf(pythonWithJwt)("verifies with Python's PyJWT and its PyJWKClient too", async () => {
    // Not execFileSync: the Python process fetches the key set from this very process.
    const { stdout } = await promisify(execFile)(pythonWithJwt!, ['-c', PYJWT_VERIFY, `${baseUrl}/.well-known/jwks.json`, token]);
    expect(JSON.parse(stdout)).toMatchObject({ UserID: alice.id, sub: alice.id, Email: alice.email, iss: 'sentinel' });
  });

  it('GET /.well-known/jwks.json answers public keys only, cacheable for five minutes, with no credentials', async () => {
    const response = await fetch(`${baseUrl}/.well-known/jwks.json`);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('public, max-age=300');
    const { keys } = (await response.json()) as { keys: Record<string, unknown>[] };
    expect(keys).toEqual([
      { kty: 'OKP', crv: 'Ed25519', x: expect.any(String), kid: decodeProtectedHeader(token).kid, alg: 'EdDSA', use: 'sig' },
    ]);
  });

  it('keeps private keys encrypted at rest', async () => {
    const rows = await t.database.db.query.signingKeys.findMany();
    const pair = rows.find((row) => row.alg === 'EdDSA')!;
    expect(pair.privateKeySealed).toMatch(/^v1\./);
    expect(pair.privateKeySealed).not.toContain('PRIVATE KEY');
    expect(JSON.stringify(pair.publicJwk)).not.toContain('"d"');
  });

  // Threat: forged tokens that try to steer the verifier to the wrong key or algorithm.
  describe('refuses, on the server and in a remote-JWKS verifier,', () => {
    const claims = () => {
      const now = Math.floor(t.clock().getTime() / 1000);
      return { ...decodeJwt(token), iat: now, exp: now + 60 };
    };
    const kid = () => decodeProtectedHeader(token).kid!;
    const publicJwk = async () => ((await (await fetch(`${baseUrl}/.well-known/jwks.json`)).json()) as any).keys[0];

    it.each([
      [
        'a token from an unknown key',
        async () => {
          const { privateKey } = await generateKeyPair('EdDSA');
          return new SignJWT(claims()).setProtectedHeader({ alg: 'EdDSA', kid: 'unknown-kid' }).sign(privateKey);
        },
      ],
      [
        "another key's signature under the real kid",
        async () => {
          const { privateKey } = await generateKeyPair('EdDSA');
          return new SignJWT(claims()).setProtectedHeader({ alg: 'EdDSA', kid: kid() }).sign(privateKey);
        },
      ],
      [
        'an alg that differs from the key (ES256 under the EdDSA kid)',
        async () => {
          const { privateKey } = await generateKeyPair('ES256');
          return new SignJWT(claims()).setProtectedHeader({ alg: 'ES256', kid: kid() }).sign(privateKey);
        },
      ],
      ['alg none', async () => `${b64({ alg: 'none', kid: kid(), typ: 'JWT' })}.${b64(claims())}.`],
      [
        'HS256 signed with the public JWK as the secret',
        async () => {
          const secret = new TextEncoder().encode(JSON.stringify(await publicJwk()));
          return new SignJWT(claims()).setProtectedHeader({ alg: 'HS256', kid: kid() }).sign(secret);
        },
      ],
      [
        'HS256 signed with the public key bytes as the secret, without a kid',
        async () => {
          const signingInput = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(claims())}`;
          const secret = Buffer.from((await publicJwk()).x, 'base64url');
          return `${signingInput}.${createHmac('sha256', secret).update(signingInput).digest('base64url')}`;
        },
      ],
      ['an EdDSA token without a kid', async () => `${b64({ alg: 'EdDSA', typ: 'JWT' })}.${token.split('.').slice(1).join('.')}`],
    ])('%s', async (_name, make) => {
      const forged = await make();
      const response = await t.call('GET', '/auth/verify', { token: forged });
      expect(response.status).toBe(401);
      expect(response.body.type).toBe('urn:sentinel:problem:invalid_token');
      await expect(verifyWithRemoteJwks(baseUrl, forged, t)).rejects.toThrow();
    });
  });

  describe('rotation', () => {
    let operator: TestUser;
    let opToken: string;
    let oldKid: string;
    let newKid: string;

    beforeAll(async () => {
      operator = await t.createOperator();
      opToken = (await t.login(operator)).token;
      oldKid = decodeProtectedHeader(token).kid!;
    });

    it('POST /operator/keys/rotate makes a new key the signer at once and records who did it', async () => {
      const response = await t.call('POST', '/operator/keys/rotate', { token: opToken });
      expect(response.status).toBe(201);
      expect(response.body.key).toMatchObject({ alg: 'EdDSA', status: 'active', retires_at: null });
      newKid = response.body.key.kid;
      expect(newKid).not.toBe(oldKid);

      const fresh = await t.login(alice);
      expect(decodeProtectedHeader(fresh.token).kid).toBe(newKid);
      expect((await verifyWithRemoteJwks(baseUrl, fresh.token, t)).payload.sub).toBe(alice.id);

      const audit = await t.call('GET', '/operator/audit?action=signing_key.rotated', { token: opToken });
      expect(audit.body.events).toEqual([
        expect.objectContaining({
          actor_user_id: operator.id,
          detail: { kid: newKid, alg: 'EdDSA', previous_kid: oldKid, reason: 'rotated' },
        }),
        // The first start under EdDSA replaced the HS256 secret that every installation begins with.
        expect.objectContaining({
          actor_user_id: null,
          detail: { kid: oldKid, alg: 'EdDSA', previous_kid: 'hs256', reason: 'algorithm_changed' },
        }),
      ]);
    });

    it('GET /operator/keys lists the new key active and the old one retiring until its tokens have expired', async () => {
      const response = await t.call('GET', '/operator/keys', { token: opToken });
      expect(response.status).toBe(200);
      const [active, retiring] = response.body.keys;
      expect(active).toMatchObject({ kid: newKid, alg: 'EdDSA', status: 'active', retires_at: null });
      expect(retiring).toMatchObject({ kid: oldKid, alg: 'EdDSA', status: 'retiring' });
      const retiresIn = (Date.parse(retiring.retires_at) - t.clock().getTime()) / 1000;
      expect(retiresIn).toBeGreaterThan(RETIRES_AFTER - 30);
      expect(retiresIn).toBeLessThanOrEqual(RETIRES_AFTER);
      expect(JSON.stringify(response.body)).not.toMatch(/PRIVATE|sealed|"d"/);
    });

    it('still accepts tokens of the old key, which stays in the JWKS', async () => {
      expect((await t.call('GET', '/auth/verify', { token })).status).toBe(200);
      expect((await verifyWithRemoteJwks(baseUrl, token, t)).protectedHeader.kid).toBe(oldKid);
      const { keys } = (await (await fetch(`${baseUrl}/.well-known/jwks.json`)).json()) as any;
      expect(keys.map((key: { kid: string }) => key.kid)).toEqual([newKid, oldKid]);
    });

    it('drops the old key once its tokens have expired, and refuses even a long-lived token it signed', async () => {
      // Threat: a leaked retired key. Sign with it directly, with an expiry far ahead.
      const row = (await t.database.db.query.signingKeys.findMany()).find((key) => key.kid === oldKid)!;
      const pem = new SecretBox(t.secrets.encryptionKey!, 'signing-key').open(row.privateKeySealed!, oldKid);
      const oldPrivate = await importPKCS8(pem, 'EdDSA');

      t.clock.advance(RETIRES_AFTER + 1);
      try {
        const now = Math.floor(t.clock().getTime() / 1000);
        const longLived = await new SignJWT({ ...decodeJwt(token), iat: now, exp: now + 3600 })
          .setProtectedHeader({ alg: 'EdDSA', kid: oldKid, typ: 'JWT' })
          .sign(oldPrivate);
        expect((await t.call('GET', '/auth/verify', { token: longLived })).status).toBe(401);

        const { keys } = (await (await fetch(`${baseUrl}/.well-known/jwks.json`)).json()) as any;
        expect(keys.map((key: { kid: string }) => key.kid)).toEqual([newKid]);
        await expect(verifyWithRemoteJwks(baseUrl, longLived, t)).rejects.toThrow();

        const listing = await t.call('GET', '/operator/keys', { token: (await t.login(operator)).token });
        expect(listing.body.keys.find((key: { kid: string }) => key.kid === oldKid).status).toBe('retired');
      } finally {
        t.clock.advance(-(RETIRES_AFTER + 1));
      }
    });

    it('POST /operator/keys/rotate is for operators only', async () => {
      const response = await t.call('POST', '/operator/keys/rotate', { token: (await t.login(alice)).token });
      expect(response.status).toBe(403);
      expect((await t.call('GET', '/operator/keys', { token: (await t.login(alice)).token })).status).toBe(403);
    });
  });
});

describe.each(['ES256', 'RS256'])('SENTINEL_JWT_ALGORITHM=%s', (algorithm) => {
  let t: TestApp;
  let baseUrl: string;
  beforeAll(async () => {
    t = await createTestApp({ env: { SENTINEL_JWT_ALGORITHM: algorithm } });
    baseUrl = await serve(t);
  });
  afterAll(() => t.close());

  it('signs with that algorithm and publishes the matching public key', async () => {
    const user = await t.registerUser();
    const { token } = await t.login(user);
    expect(decodeProtectedHeader(token).alg).toBe(algorithm);
    expect((await verifyWithRemoteJwks(baseUrl, token, t)).payload.sub).toBe(user.id);
    const { keys } = (await (await fetch(`${baseUrl}/.well-known/jwks.json`)).json()) as any;
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({ kty: algorithm === 'ES256' ? 'EC' : 'RSA', alg: algorithm, use: 'sig' });
    expect(Object.keys(keys[0])).not.toContain('d');
  });
});

describe('SENTINEL_JWT_ALGORITHM=HS256 (the default)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('publishes an empty key set and signs as the original did, without a kid', async () => {
    const response = await t.call('GET', '/.well-known/jwks.json', { apiKey: null });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ keys: [] });
    const { token } = await t.login(await t.registerUser());
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'HS256', typ: 'JWT' });
  });

  it('answers 409 to a rotation and lists the secret as kid hs256', async () => {
    const operator = await t.createOperator();
    const { token } = await t.login(operator);
    const rotate = await t.call('POST', '/operator/keys/rotate', { token });
    expect(rotate.status).toBe(409);
    expect(rotate.body.type).toBe('urn:sentinel:problem:key_rotation_unavailable');
    const listing = await t.call('GET', '/operator/keys', { token });
    expect(listing.body.keys).toEqual([{ kid: 'hs256', alg: 'HS256', status: 'active', created_at: expect.any(String), retires_at: null }]);
  });

  it('refuses an HS256 token that names a key', async () => {
    const { token } = await t.login(await t.registerUser());
    const claims = decodeJwt(token);
    const forged = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256', kid: 'hs256' })
      .sign(new TextEncoder().encode(t.config.jwtSecret!));
    expect((await t.call('GET', '/auth/verify', { token: forged })).status).toBe(401);
  });
});
