import type { TestApp, TestUser } from './app.js';
import { unique } from './app.js';

export interface Operator extends TestUser {
  token: string;
}

/** An operator, logged in. */
export async function loggedInOperator(t: TestApp): Promise<Operator> {
  const operator = await t.createOperator();
  return { ...operator, token: (await t.login(operator)).token };
}

/** A user registered and logged in through the API. */
export async function loggedInUser(t: TestApp): Promise<TestUser & { token: string }> {
  const user = await t.registerUser();
  return { ...user, token: (await t.login(user)).token };
}

/** Registers an app through POST /operator/app/register; returns its id and first API key. */
export async function registerApp(
  t: TestApp,
  operatorToken: string,
  body: Record<string, unknown> = {},
): Promise<{ id: number; apiKey: string; name: string }> {
  const name = (body.app as string | undefined) ?? unique('app');
  const response = await t.call('POST', '/operator/app/register', {
    token: operatorToken,
    body: { app: name, description: 'test app', domains: [], ...body },
  });
  if (response.status !== 201) throw new Error(`registerApp failed: ${response.status} ${response.text}`);
  return { id: response.body.app.app_id, apiKey: response.body.api_key, name };
}

/** Where many profile tests start: an operator, one app they registered, and a logged-in user. */
export async function operatorAppAndUser(t: TestApp) {
  const operatorToken = (await loggedInOperator(t)).token;
  const appId = (await registerApp(t, operatorToken)).id;
  return { operatorToken, appId, user: await loggedInUser(t) };
}
