import { decodeProtectedHeader } from 'jose';
import { TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSentinelClient, SentinelError, type SentinelClient, type Session } from '../src/index.js';
import { startSentinel, type RunningSentinel } from './sentinel-server.js';

/* The client against a real `sentinel serve` (the build, on PGlite), as an app would use it. */
const TTL_SECONDS = 2;
let sentinel: RunningSentinel;
let appId: number;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
let counter = 0;
const newUser = () => {
  counter += 1;
  const username = `user${counter}${Date.now().toString(36)}`;
  return {
    user_info: { username, email: `${username}@example.com`, first_name: 'Ada', last_name: 'Lovelace' },
    password: 'analytical engine',
  };
};

/** A client whose requests are counted by path, to see how many refreshes it spends. */
function countingClient(onSessionChange?: (session: Session | null) => void) {
  const calls: string[] = [];
  const client = createSentinelClient({
    baseUrl: sentinel.url,
    apiKey: sentinel.apiKey,
    fetch: (request) => {
      calls.push(new URL(request.url).pathname);
      return fetch(request);
    },
    ...(onSessionChange ? { onSessionChange } : {}),
  });
  return { client, calls };
}

async function loggedIn(client: SentinelClient, input = newUser()) {
  await client.register(input);
  const result = await client.login({ email: input.user_info.email, password: input.password });
  if (result.kind !== 'session') throw new Error('expected a session');
  return { input, session: result.session };
}

beforeAll(async () => {
  sentinel = await startSentinel({ SENTINEL_JWT_ALGORITHM: 'EdDSA', SENTINEL_ACCESS_TOKEN_TTL: String(TTL_SECONDS) });
  const operator = createSentinelClient({ baseUrl: sentinel.url, apiKey: sentinel.apiKey });
  await operator.login({ email: sentinel.operator.email, password: sentinel.operator.password });
  appId = (await operator.operator.registerApp({ app: 'notes', description: 'Client tests', domains: [] })).app.app_id;
});
afterAll(async () => {
  await sentinel?.stop();
});

describe('login', () => {
  it('answers a session when the user has no TOTP, and me() is that user', async () => {
    const client = createSentinelClient({ baseUrl: sentinel.url, apiKey: sentinel.apiKey });
    const { input, session } = await loggedIn(client);
    expect(session.user.email).toBe(input.user_info.email);
    expect(decodeProtectedHeader(session.token).alg).toBe('EdDSA');
    expect(client.session?.token).toBe(session.token);
    expect((await client.me()).username).toBe(input.user_info.username);
  });

  it('answers otp_required when TOTP is on, then a session for a code from the authenticator', async () => {
    const client = createSentinelClient({ baseUrl: sentinel.url, apiKey: sentinel.apiKey });
    const { input } = await loggedIn(client);
    const { data: enrollment } = await client.raw.POST('/auth/enable-otp');
    const totp = new TOTP({ secret: enrollment!.secret });
    const confirmed = await client.raw.POST('/auth/confirm-otp', { body: { code: totp.generate() } });
    expect(confirmed.response.status).toBe(200);

    const fresh = createSentinelClient({ baseUrl: sentinel.url, apiKey: sentinel.apiKey });
    const result = await fresh.login({ email: input.user_info.email, password: input.password });
    expect(result.kind).toBe('otp_required');
    if (result.kind !== 'otp_required') return;
    expect(fresh.session).toBeNull();
    // Each step's code works once: the next step's code (accepted for clock drift) has not been used.
    const session = await fresh.verifyOtp(result.otpToken, totp.generate({ timestamp: Date.now() + 30_000 }));
    expect(session.user.otp_enabled).toBe(true);
    expect((await fresh.me()).email).toBe(input.user_info.email);
  });

  it('throws a typed SentinelError carrying the problem document', async () => {
    const client = createSentinelClient({ baseUrl: sentinel.url, apiKey: sentinel.apiKey });
    const error = await client.login({ email: 'nobody@example.com', password: 'wrong password' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SentinelError);
    expect(error).toMatchObject({ status: 401, code: 'invalid_credentials' });
    expect((error as SentinelError).problem).toMatchObject({ type: 'urn:sentinel:problem:invalid_credentials', status: 401 });

    const input = newUser();
    await client.register(input);
    await expect(client.register(input)).rejects.toMatchObject({ status: 409, code: 'email_taken' });

    const offline = createSentinelClient({ baseUrl: 'http://127.0.0.1:1', apiKey: sentinel.apiKey });
    await expect(offline.login({ email: 'a@example.com', password: 'whatever' })).rejects.toMatchObject({
      status: 0,
      code: 'network_error',
    });
  });
});

describe('automatic refresh', () => {
  it('refreshes once after the access token expires, and tells onSessionChange', async () => {
    const sessions: (Session | null)[] = [];
    const { client, calls } = countingClient((session) => sessions.push(session));
    const { session } = await loggedIn(client);
    await sleep(TTL_SECONDS * 1000 + 1100);

    expect((await client.me()).user_id).toBe(session.user.user_id);
    expect(calls.filter((path) => path === '/auth/refresh')).toHaveLength(1);
    expect(client.session?.token).not.toBe(session.token);
    expect(sessions.at(-1)?.refresh_token).toBe(client.session?.refresh_token);
  });

  it('spends one refresh for concurrent callers that all meet the expired token', async () => {
    const { client, calls } = countingClient();
    await loggedIn(client);
    await sleep(TTL_SECONDS * 1000 + 1100);

    const users = await Promise.all(Array.from({ length: 6 }, () => client.me()));
    expect(new Set(users.map((user) => user.user_id)).size).toBe(1);
    expect(calls.filter((path) => path === '/auth/refresh')).toHaveLength(1);
  });

  it('ends the session, and throws the 401, when the refresh is refused', async () => {
    const { client } = countingClient();
    await loggedIn(client);
    const stolen = client.session!;
    // Someone else spends the refresh token first, and then its successor (inside the server's
    // grace window a retry of the first would still get that successor): presenting the first
    // again now ends the session on the server.
    const other = createSentinelClient({ baseUrl: sentinel.url, apiKey: sentinel.apiKey, session: stolen });
    await other.refresh();
    await other.refresh();
    await sleep(TTL_SECONDS * 1000 + 1100);

    await expect(client.me()).rejects.toMatchObject({ status: 401 });
    expect(client.session).toBeNull();
  });
});

describe('profiles', () => {
  it('create, get, replace and patch with ETags; a stale ETag is 412; delete', async () => {
    const client = createSentinelClient({ baseUrl: sentinel.url, apiKey: sentinel.apiKey });
    await loggedIn(client);
    const created = await client.profiles.create(appId, { theme: 'dark', notes: [] });
    expect(created.etag).toBe('"1"');
    const id = created.profile.profile_id;

    const read = await client.profiles.get(appId, id);
    expect(read.profile.profile_data).toEqual({ theme: 'dark', notes: [] });
    const replaced = await client.profiles.replace(appId, id, { theme: 'light', notes: ['first'] }, { ifMatch: read.etag });
    expect(replaced).toMatchObject({ etag: '"2"', profile: { version: 2 } });

    const stale = await client.profiles.patch(appId, id, { theme: 'blue' }, { ifMatch: read.etag }).catch((error: unknown) => error);
    expect(stale).toBeInstanceOf(SentinelError);
    expect(stale).toMatchObject({ status: 412, code: 'precondition_failed' });

    const patched = await client.profiles.patch(appId, id, { theme: null, font: 'serif' }, { ifMatch: replaced.etag });
    expect(patched.profile.profile_data).toEqual({ notes: ['first'], font: 'serif' });
    expect((await client.profiles.list(appId)).profiles.map((profile) => profile.profile_id)).toEqual([id]);

    await expect(client.profiles.delete(appId, id, { ifMatch: replaced.etag })).rejects.toMatchObject({ status: 412 });
    await client.profiles.delete(appId, id, { ifMatch: patched.etag });
    expect((await client.profiles.list(appId)).profiles).toEqual([]);
  });

  it('export() answers all of the user data in one document', async () => {
    const client = createSentinelClient({ baseUrl: sentinel.url, apiKey: sentinel.apiKey });
    const { session } = await loggedIn(client);
    await client.profiles.create(appId, { kept: true });
    const exported = await client.export();
    expect(exported.user.user_id).toBe(session.user.user_id);
    expect(JSON.stringify(exported)).toContain('"kept":true');
  });
});

describe('operator calls', () => {
  it('need an operator session (403 otherwise), and rotate the signing key', async () => {
    const user = createSentinelClient({ baseUrl: sentinel.url, apiKey: sentinel.apiKey });
    await loggedIn(user);
    await expect(user.operator.keys.list()).rejects.toMatchObject({ status: 403, code: 'forbidden' });

    const operator = createSentinelClient({ baseUrl: sentinel.url, apiKey: sentinel.apiKey });
    await operator.login({ email: sentinel.operator.email, password: sentinel.operator.password });
    const before = decodeProtectedHeader(operator.session!.token).kid;
    const rotated = await operator.operator.keys.rotate();
    expect(rotated).toMatchObject({ alg: 'EdDSA', status: 'active' });
    expect(rotated.kid).not.toBe(before);
    const keys = await operator.operator.keys.list();
    expect(keys.find((key) => key.kid === before)?.status).toBe('retiring');
  });

  it('find a user and end their sessions', async () => {
    const operator = createSentinelClient({ baseUrl: sentinel.url, apiKey: sentinel.apiKey });
    await operator.login({ email: sentinel.operator.email, password: sentinel.operator.password });
    const user = createSentinelClient({ baseUrl: sentinel.url, apiKey: sentinel.apiKey });
    const { session } = await loggedIn(user);
    expect((await operator.operator.getUser(session.user.user_id)).email).toBe(session.user.email);
    expect((await operator.operator.revokeSessions(session.user.user_id)).revoked_sessions).toBe(1);
    await expect(user.me()).rejects.toMatchObject({ status: 401 });
  });
});
