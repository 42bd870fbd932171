import { Secret, TOTP } from 'otpauth';
import { expect } from 'vitest';

/* Calls to a `sentinel serve` started by a test (test/helpers/cli.ts startServer), over HTTP. */

export async function post(url: string, body: unknown, headers: Record<string, string>): Promise<{ status: number; body: any }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

/** The code of `secret` for the 30-second step `offset` steps from now. */
export const codeAt = (secret: string, offset: number) =>
  TOTP.generate({ secret: Secret.fromBase32(secret), timestamp: Date.now() + offset * 30_000 });

/** Registers a user with TOTP on through the server's API; returns a login that answers the TOTP step with the code `offset` steps from now. */
export async function enrollTotpUser(url: () => string, key: string): Promise<(offset: number) => Promise<{ status: number; body: any }>> {
  const user = { username: 'totpuser', email: 'totp@example.com', password: 'long enough password' };
  const registered = await post(
    `${url()}/auth/register`,
    { user_info: { username: user.username, email: user.email }, password: user.password },
    { 'x-api-key': key },
  );
  expect(registered.status).toBe(201);
  const { token } = (await post(`${url()}/auth/login`, { email: user.email, password: user.password }, { 'x-api-key': key })).body;
  const secret: string = (await post(`${url()}/auth/enable-otp`, undefined, { authorization: `Bearer ${token}` })).body.secret;
  expect((await post(`${url()}/auth/confirm-otp`, { code: codeAt(secret, -1) }, { authorization: `Bearer ${token}` })).status).toBe(200);
  return async (offset) => {
    const started = await post(`${url()}/auth/login`, { email: user.email, password: user.password }, { 'x-api-key': key });
    expect(started.body.otp_required).toBe(true);
    return post(`${url()}/auth/verify-otp`, { otp_token: started.body.otp_token, code: codeAt(secret, offset) }, { 'x-api-key': key });
  };
}
