// @ts-check
/**
 * An app that uses Sentinel for its users: its page logs in through this backend, which
 * calls Sentinel with @sentinel/client, verifies every access token locally against
 * Sentinel's published keys, and keeps each user's notes in a profile of this app.
 */
import Fastify from 'fastify';
import { readFile } from 'node:fs/promises';
import { createSentinelClient, SentinelError } from '@sentinel/client';
import { sentinelAuth } from '@sentinel/client/fastify';

/** @param {string} name */
function required(name) {
  const value = process.env[name];
  if (!value) throw new Error(`Set ${name} (see examples/notes/README.md)`);
  return value;
}

const sentinelUrl = (process.env.SENTINEL_URL ?? 'http://127.0.0.1:3000').replace(/\/+$/, '');
const apiKey = required('SENTINEL_API_KEY');
const appId = Number(required('SENTINEL_APP_ID'));
const issuer = process.env.SENTINEL_JWT_ISSUER ?? 'sentinel';

const app = Fastify({ logger: { level: process.env.LOG_LEVEL ?? 'info' } });

// Tokens are checked here, with Sentinel's public keys: no request to Sentinel per call.
await app.register(sentinelAuth, { issuer, jwksUrl: `${sentinelUrl}/.well-known/jwks.json` });

/** A client acting for nobody: registration and login. */
const sentinel = createSentinelClient({ baseUrl: sentinelUrl, apiKey });

/**
 * A client acting for the user who sent this request, with their own access token.
 * @param {import('fastify').FastifyRequest} request
 */
function asUser(request) {
  const token = /** @type {string} */ (request.headers.authorization).replace(/^Bearer\s+/i, '');
  return createSentinelClient({ baseUrl: sentinelUrl, apiKey, accessToken: token });
}

// Sentinel's errors reach the page as they are: the same problem document and status.
app.setErrorHandler((error, _request, reply) => {
  if (error instanceof SentinelError && error.status >= 400)
    return reply.code(error.status).type('application/problem+json').send(error.problem);
  return reply.send(error);
});

app.get('/', async (_request, reply) => reply.type('text/html').send(await readFile(new URL('public/index.html', import.meta.url))));
app.get('/healthz', async () => ({ status: 'ok' }));

app.post('/api/register', async (request, reply) => {
  const { username, email, password } = /** @type {{ username: string, email: string, password: string }} */ (request.body);
  const user = await sentinel.register({ user_info: { username, email }, password });
  return reply.code(201).send({ user });
});

/** Logs in with a client of its own per request: a session belongs to the user, not to this server. */
app.post('/api/login', async (request) => {
  const { email, password } = /** @type {{ email: string, password: string }} */ (request.body);
  const client = createSentinelClient({ baseUrl: sentinelUrl, apiKey });
  const result = await client.login({ email, password });
  return result.kind === 'session' ? result.session : { otp_required: true, otp_token: result.otpToken };
});

app.post('/api/verify-otp', async (request) => {
  const { otp_token, code } = /** @type {{ otp_token: string, code: string }} */ (request.body);
  return createSentinelClient({ baseUrl: sentinelUrl, apiKey }).verifyOtp(otp_token, code);
});

app.post('/api/refresh', async (request) => {
  const { refresh_token } = /** @type {{ refresh_token: string }} */ (request.body);
  const { data, response } = await sentinel.raw.POST('/auth/refresh', { body: { refresh_token } });
  if (!data) throw SentinelError.fromAnswer(response.status, undefined);
  return data;
});

/** Ends the session on Sentinel: the refresh token stops working, and /auth/verify refuses the access token at once. */
app.post('/api/logout', { onRequest: app.authenticate }, async (request, reply) => {
  await asUser(request).logout();
  return reply.code(204).send();
});

/** The user's notes: the first profile they hold in this app, and its ETag. */
app.get('/api/notes', { onRequest: app.authenticate }, async (request) => {
  const client = asUser(request);
  const [first] = (await client.profiles.list(appId, { limit: 1 })).profiles;
  if (!first) return { user: request.user?.Username, notes: [], etag: null };
  const { profile, etag } = await client.profiles.get(appId, first.profile_id);
  return { user: request.user?.Username, notes: /** @type {{ notes?: string[] }} */ (profile.profile_data).notes ?? [], etag };
});

/** Saves the notes; with the ETag that was read, a save over someone else's newer one is refused (412). */
app.put('/api/notes', { onRequest: app.authenticate }, async (request) => {
  const { notes, etag } = /** @type {{ notes: string[], etag?: string | null }} */ (request.body);
  const client = asUser(request);
  const [first] = (await client.profiles.list(appId, { limit: 1 })).profiles;
  const saved = first
    ? await client.profiles.replace(appId, first.profile_id, { notes }, etag ? { ifMatch: etag } : {})
    : await client.profiles.create(appId, { notes });
  return { user: request.user?.Username, notes, etag: saved.etag };
});

await app.listen({ port: Number(process.env.PORT ?? 3001), host: process.env.HOST ?? '127.0.0.1' });
