import { decodeProtectedHeader } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import type { TestApp } from './helpers/app.js';
import { CookieJar, makeClient, startOidcApp, tokensFor } from './helpers/oidc.js';

describe('the keys that sign ID tokens', () => {
  let t: TestApp | undefined;
  afterEach(() => t?.close());

  const keySets = async (issuer: string) => {
    const oidc = (await (await fetch(`${issuer}/oidc/jwks`)).json()) as { keys: { kid: string; alg?: string; d?: string }[] };
    const api = (await (await fetch(`${issuer}/.well-known/jwks.json`)).json()) as { keys: { kid: string }[] };
    return { oidc: oidc.keys, api: api.keys };
  };

  it("with SENTINEL_JWT_ALGORITHM=RS256 are the key ring's: the provider publishes the same keys as /.well-known/jwks.json", async () => {
    const started = await startOidcApp({ SENTINEL_JWT_ALGORITHM: 'RS256' });
    t = started.t;
    const client = await makeClient(t, started.issuer, started.operatorToken, { firstParty: true });
    const tokens = await tokensFor(new CookieJar(), started.issuer, client, await t.registerUser());
    const { oidc, api } = await keySets(started.issuer);
    expect(oidc.map((key) => key.kid)).toEqual(api.map((key) => key.kid));
    expect(oidc.every((key) => key.d === undefined)).toBe(true);
    expect(decodeProtectedHeader(tokens.id_token!)).toMatchObject({ alg: 'RS256', kid: api[0]!.kid });
  });

  it("with HS256 are an RS256 pair of the provider's own, published at /oidc/jwks only (/.well-known/jwks.json stays empty)", async () => {
    const started = await startOidcApp();
    t = started.t;
    const client = await makeClient(t, started.issuer, started.operatorToken, { firstParty: true });
    const tokens = await tokensFor(new CookieJar(), started.issuer, client, await t.registerUser());
    const { oidc, api } = await keySets(started.issuer);
    expect(api).toEqual([]);
    expect(oidc).toHaveLength(1);
    expect(oidc[0]!.d).toBeUndefined();
    expect(decodeProtectedHeader(tokens.id_token!)).toMatchObject({ alg: 'RS256', kid: oidc[0]!.kid });
  });
});
