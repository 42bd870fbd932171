import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSentinelClient } from '../src/index.js';
import { freePort, startSentinel, type RunningSentinel } from './sentinel-server.js';

/* examples/notes, run as its README says, against a real Sentinel: what a user of the page gets. */
const SERVER = fileURLToPath(new URL('../../../examples/notes/server.js', import.meta.url));
let sentinel: RunningSentinel;
let notes: ChildProcess;
let url: string;
let appId: number;

async function api(method: string, path: string, body?: unknown, token?: string) {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: response.status === 204 ? undefined : await response.json() };
}

beforeAll(async () => {
  sentinel = await startSentinel({ SENTINEL_JWT_ALGORITHM: 'EdDSA' });
  const operator = createSentinelClient({ baseUrl: sentinel.url, apiKey: sentinel.apiKey });
  await operator.login(sentinel.operator);
  const registered = await operator.operator.registerApp({ app: 'notes', domains: ['127.0.0.1'] });
  appId = registered.app.app_id;

  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  notes = spawn(process.execPath, [SERVER], {
    env: {
      PATH: process.env.PATH,
      SENTINEL_URL: sentinel.url,
      SENTINEL_API_KEY: registered.api_key,
      SENTINEL_APP_ID: String(registered.app.app_id),
      PORT: String(port),
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const deadline = Date.now() + 30_000;
  while (
    !(await fetch(`${url}/healthz`).then(
      (response) => response.ok,
      () => false,
    ))
  ) {
    if (notes.exitCode !== null || Date.now() > deadline) throw new Error('examples/notes did not start');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
});
afterAll(async () => {
  if (notes && notes.exitCode === null) {
    const exited = new Promise((resolve) => notes.once('exit', resolve));
    notes.kill('SIGTERM');
    await exited;
  }
  await sentinel?.stop();
});

describe('examples/notes', () => {
  it('serves its page', async () => {
    const response = await fetch(url);
    expect(response.headers.get('content-type')).toMatch(/text\/html/);
    expect(await response.text()).toContain('<title>Notes, signed in with Sentinel</title>');
  });

  it('registers, logs in, keeps notes in a Sentinel profile, and refuses a stale save', async () => {
    expect(
      (await api('POST', '/api/register', { username: 'grace', email: 'grace@example.com', password: 'compiler compiler' })).status,
    ).toBe(201);
    const login = await api('POST', '/api/login', { email: 'grace@example.com', password: 'compiler compiler' });
    expect(login.status).toBe(200);
    const token = login.body.token as string;

    expect((await api('GET', '/api/notes', undefined, token)).body).toEqual({ user: 'grace', notes: [], etag: null });
    const first = await api('PUT', '/api/notes', { notes: ['buy milk'] }, token);
    expect(first.body).toEqual({ user: 'grace', notes: ['buy milk'], etag: '"1"' });
    const second = await api('PUT', '/api/notes', { notes: ['buy milk', 'call Ada'], etag: first.body.etag }, token);
    expect(second.body.etag).toBe('"2"');
    const stale = await api('PUT', '/api/notes', { notes: [], etag: first.body.etag }, token);
    expect(stale.status).toBe(412);
    expect(stale.body.type).toBe('urn:sentinel:problem:precondition_failed');
    expect((await api('GET', '/api/notes', undefined, token)).body.notes).toEqual(['buy milk', 'call Ada']);

    // The notes are a profile of the app in Sentinel, owned by the user.
    const grace = createSentinelClient({ baseUrl: sentinel.url, accessToken: token });
    const [profile] = (await grace.raw.GET('/user/profiles/{appid}', { params: { path: { appid: appId } } })).data!.profiles;
    expect(profile?.profile_data).toEqual({ notes: ['buy milk', 'call Ada'] });
  });

  it('refuses a missing or forged token itself, and a logged-out one once it asks Sentinel', async () => {
    expect((await api('GET', '/api/notes')).status).toBe(401);
    expect((await api('GET', '/api/notes', undefined, 'not-a-token')).body.type).toBe('urn:sentinel:problem:invalid_token');

    const token = (await api('POST', '/api/login', { email: 'grace@example.com', password: 'compiler compiler' })).body.token;
    expect((await api('POST', '/api/logout', {}, token)).status).toBe(204);
    // Locally the token still verifies until it expires; the profile call to Sentinel is refused at once.
    expect((await api('GET', '/api/notes', undefined, token)).status).toBe(401);
  });
});
