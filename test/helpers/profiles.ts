import { expect } from 'vitest';
import type { TestApp } from './app.js';

/** POST /user/profiles/create as `token`'s user, expecting 201. */
export async function createProfile(t: TestApp, token: string, profileData: unknown, appId: number) {
  const response = await t.call('POST', '/user/profiles/create', { token, body: { app_id: appId, profile_data: profileData } });
  expect(response.status, response.text).toBe(201);
  return response;
}

/** PATCH `url` with a JSON merge patch (application/merge-patch+json). */
export function mergePatch(t: TestApp, url: string, token: string, body: unknown, headers: Record<string, string> = {}) {
  return t.call('PATCH', url, {
    token,
    payload: JSON.stringify(body),
    headers: { 'content-type': 'application/merge-patch+json', ...headers },
  });
}
