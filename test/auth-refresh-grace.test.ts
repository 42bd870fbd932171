import { sql } from 'drizzle-orm';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { buildApp } from '../src/app.js';
import { sha256Hex } from '../src/crypto/secrets.js';
import { queryRows } from '../src/db/client.js';
import { createTestApp, type TestApp } from './helpers/app.js';

/*
 * A client may send the same refresh token twice: its answer was lost, two tabs refreshed at
 * once, or a 503 came after the rotation had committed. Within SENTINEL_REFRESH_GRACE it gets
 * the same successor; after it, a spent token still ends the whole session (token theft).
 */
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const refresh = (token: string, app = t) => app.call('POST', '/auth/refresh', { body: { refresh_token: token }, apiKey: null });
const sessionOf = async (token: string) =>
  (
    await queryRows<{ refresh_token_hash: string; revoked_at: Date | null; revoked_reason: string | null }>(
      t.database.db,
      sql`SELECT refresh_token_hash, revoked_at, revoked_reason FROM sessions WHERE id = ${decodeJwt(token).sid as string}`,
    )
  )[0]!;

describe('POST /auth/refresh within the grace window', () => {
  it('answers a retry with the same refresh token and an access token of the same session', async () => {
    const session = await t.login(await t.registerUser());
    const first = await refresh(session.refresh_token);
    const retry = await refresh(session.refresh_token);
    expect(first.status).toBe(200);
    expect(retry.status).toBe(200);
    expect(retry.body.refresh_token).toBe(first.body.refresh_token);
    expect(retry.body.refresh_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(decodeJwt(retry.body.token).sid).toBe(decodeJwt(session.token).sid);
    for (const token of [first.body.token, retry.body.token]) expect((await t.call('GET', '/auth/verify', { token })).status).toBe(200);
    // The session lives on, and the successor is single-use as any refresh token.
    expect((await sessionOf(session.token)).revoked_at).toBeNull();
    expect((await refresh(first.body.refresh_token)).status).toBe(200);
  });

  it('answers a retry on a process that restarted with a new encryption key (sentinel encryption-key rotate) with the same successor', async () => {
    const session = await t.login(await t.registerUser());
    const first = await refresh(session.refresh_token);
    const restarted = await buildApp({
      config: t.config,
      database: t.database,
      secrets: { ...t.secrets, encryptionKey: randomBytes(32).toString('hex'), encryptionKeys: undefined },
      clock: t.clock,
      logger: false,
    });
    try {
      const retry = await restarted.inject({
        method: 'POST',
        url: '/auth/refresh',
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify({ refresh_token: session.refresh_token }),
      });
      expect(retry.statusCode).toBe(200);
      expect(retry.json().refresh_token).toBe(first.body.refresh_token);
      expect((await sessionOf(session.token)).revoked_at).toBeNull();
    } finally {
      await restarted.close();
    }
  });

  it('gives 20 concurrent refreshes with one token one successor, and the session stays live', async () => {
    const session = await t.login(await t.registerUser());
    const answers = await Promise.all(Array.from({ length: 20 }, () => refresh(session.refresh_token)));
    expect(answers.map((answer) => answer.status)).toEqual(Array(20).fill(200));
    const successors = new Set(answers.map((answer) => answer.body.refresh_token));
    expect(successors.size).toBe(1);
    const [successor] = [...successors] as string[];
    expect(new Set(answers.map((answer) => decodeJwt(answer.body.token).sid))).toEqual(new Set([decodeJwt(session.token).sid]));
    const row = await sessionOf(session.token);
    expect(row.revoked_at).toBeNull();
    expect(row.refresh_token_hash).toBe(sha256Hex(successor!));
    const next = await refresh(successor!);
    expect(next.status).toBe(200);
    expect((await t.call('GET', '/auth/verify', { token: next.body.token })).status).toBe(200);
  });

  it('stores the successor hashed, never as it was answered', async () => {
    const session = await t.login(await t.registerUser());
    const successor = (await refresh(session.refresh_token)).body.refresh_token as string;
    const [found] = await queryRows<{ n: number }>(
      t.database.db,
      sql`SELECT count(*)::int AS n FROM sessions s WHERE position(${successor} IN s::text) > 0`,
    );
    expect(found!.n).toBe(0);
    expect((await sessionOf(session.token)).refresh_token_hash).toBe(sha256Hex(successor));
  });

  // Threat: a refresh token stolen after its owner used it, replayed later.
  it('ends the whole session when the spent token comes back after the window', async () => {
    const session = await t.login(await t.registerUser());
    const next = (await refresh(session.refresh_token)).body;
    t.clock.advance(t.config.refreshGraceSeconds + 1);
    try {
      const replay = await refresh(session.refresh_token);
      expect(replay.status).toBe(401);
      expect(replay.body.type).toBe('urn:sentinel:problem:invalid_refresh_token');
      expect((await refresh(next.refresh_token)).status).toBe(401);
      expect((await t.call('GET', '/auth/verify', { token: next.token })).status).toBe(401);
      expect((await sessionOf(session.token)).revoked_reason).toBe('refresh_token_reused');
    } finally {
      t.clock.advance(-(t.config.refreshGraceSeconds + 1));
    }
  });

  it('ends the whole session when the spent token comes back after its successor was used, even within the window', async () => {
    const session = await t.login(await t.registerUser());
    const second = (await refresh(session.refresh_token)).body;
    expect((await refresh(second.refresh_token)).status).toBe(200);
    expect((await refresh(session.refresh_token)).status).toBe(401);
    expect((await sessionOf(session.token)).revoked_reason).toBe('refresh_token_reused');
  });

  it('answers a retry after a 503 that came once the rotation had committed, and keeps the session', async () => {
    const session = await t.login(await t.registerUser());
    // The read that follows the rotation fails once, as on a dropped connection: the new token is stored but never answered.
    const accounts = (t.services.sessions as unknown as { deps: { accounts: { get: (id: string) => Promise<unknown> } } }).deps.accounts;
    const get = accounts.get;
    accounts.get = () => {
      accounts.get = get;
      return Promise.reject(Object.assign(new Error('Connection terminated unexpectedly'), { code: 'ECONNRESET' }));
    };
    const lost = await refresh(session.refresh_token);
    expect(lost.status).toBe(503);
    const retry = await refresh(session.refresh_token);
    expect(retry.status).toBe(200);
    expect((await sessionOf(session.token)).revoked_at).toBeNull();
    expect((await sessionOf(session.token)).refresh_token_hash).toBe(sha256Hex(retry.body.refresh_token));
  });

  it('does not revive a session that ended within the window', async () => {
    const session = await t.login(await t.registerUser());
    const next = (await refresh(session.refresh_token)).body;
    expect((await t.call('GET', '/auth/logout', { token: next.token })).status).toBe(200);
    expect((await refresh(session.refresh_token)).status).toBe(401);
  });
});

describe('POST /auth/refresh with SENTINEL_REFRESH_GRACE=0', () => {
  it('treats a retry as a reuse and ends the session', async () => {
    const strict = await createTestApp({ env: { SENTINEL_REFRESH_GRACE: '0' } });
    try {
      const session = await strict.login(await strict.registerUser());
      expect((await refresh(session.refresh_token, strict)).status).toBe(200);
      expect((await refresh(session.refresh_token, strict)).status).toBe(401);
      expect((await strict.call('GET', '/auth/verify', { token: session.token })).status).toBe(401);
    } finally {
      await strict.close();
    }
  });
});
