import { describe, expect, it } from 'vitest';
import { RelyingParty } from './relying-party.js';

const party = (rpId: string, publicUrl: string, extraOrigins: string[] = [], appHosts: string[] = []) =>
  new RelyingParty({
    rpId,
    rpName: 'Sentinel',
    publicUrl,
    extraOrigins,
    appDomains: { allows: async (origin) => appHosts.includes(new URL(origin).hostname) },
  });

describe('RelyingParty.allowsOrigin', () => {
  it("accepts the public URL's origin and SENTINEL_PASSKEY_ORIGINS, nothing else by default", async () => {
    const rp = party('example.com', 'https://auth.example.com/sentinel', ['https://admin.example.com']);
    expect(await rp.allowsOrigin('https://auth.example.com')).toBe(true);
    expect(await rp.allowsOrigin('https://admin.example.com')).toBe(true);
    expect(await rp.allowsOrigin('http://auth.example.com')).toBe(false);
    expect(await rp.allowsOrigin('https://auth.example.com:8443')).toBe(false);
    expect(await rp.allowsOrigin('https://evil.example')).toBe(false);
    expect(await rp.allowsOrigin('not an origin')).toBe(false);
  });

  it("accepts a registered app's https domain only within the RP ID", async () => {
    const rp = party('example.com', 'https://auth.example.com', [], ['app.example.com', 'app.other.org']);
    expect(await rp.allowsOrigin('https://app.example.com')).toBe(true);
    expect(await rp.allowsOrigin('http://app.example.com')).toBe(false);
    expect(await rp.allowsOrigin('https://app.other.org')).toBe(false);
    expect(await rp.allowsOrigin('https://unregistered.example.com')).toBe(false);
    expect(await rp.allowsOrigin('https://app.example.com/path')).toBe(false);
  });
});

describe('RelyingParty.clientDataOf', () => {
  it('reads origin and challenge from base64url JSON, and nothing from anything else', () => {
    const rp = party('localhost', 'http://localhost:3000');
    const encoded = Buffer.from(JSON.stringify({ type: 'webauthn.get', origin: 'http://localhost:3000', challenge: 'abc' })).toString(
      'base64url',
    );
    expect(rp.clientDataOf(encoded)).toEqual({ origin: 'http://localhost:3000', challenge: 'abc' });
    expect(rp.clientDataOf(Buffer.from('[1]').toString('base64url'))).toBeUndefined();
    expect(rp.clientDataOf(Buffer.from('{"origin": 1}').toString('base64url'))).toBeUndefined();
    expect(rp.clientDataOf('%%%')).toBeUndefined();
  });
});
