import type { TestApp } from './app.js';
import { unique } from './app.js';

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
