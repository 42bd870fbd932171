import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../src/db/client.js';
import type { TestApp } from './helpers/app.js';
import { appWithOperator, type SignedIn } from './helpers/fixtures.js';

let t: TestApp;
let op: SignedIn;
beforeAll(async () => ({ t, operator: op } = await appWithOperator()));
afterAll(() => t.close());

const asOp = (method: 'GET' | 'DELETE', url: string) => t.call(method, url, { token: op.token, apiKey: null });
const eventsOf = (action: string, targetId: string) =>
  queryRows<{ actor_user_id: string; detail: Record<string, unknown> }>(
    t.database.db,
    sql`SELECT actor_user_id, detail FROM audit_events WHERE action = ${action} AND target_user_id = ${targetId}`,
  );
const sessionIdOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).sid as string;

describe('GET /operator/users/:userid/sessions', () => {
  it("lists a user's sessions newest first, live and ended, with no token or hash", async () => {
    const user = await t.registerUser();
    const first = await t.login(user);
    const second = await t.call('POST', '/auth/login', {
      body: { email: user.email, password: user.password },
      headers: { 'user-agent': 'phone/1.0' },
    });
    await t.call('GET', '/auth/logout', { token: first.token });

    const response = await asOp('GET', `/operator/users/${user.id}/sessions`);
    expect(response.status).toBe(200);
    const sessions = response.body.sessions;
    expect(sessions.map((s: { session_id: string }) => s.session_id)).toEqual([sessionIdOf(second.body.token), sessionIdOf(first.token)]);
    expect(sessions[0]).toMatchObject({ user_id: user.id, active: true, revoked_at: null, user_agent: 'phone/1.0', ip: '127.0.0.1' });
    expect(sessions[1]).toMatchObject({ active: false, revoked_reason: 'logout' });
    expect(Date.parse(sessions[1].revoked_at)).toBeGreaterThan(0);
    const hashes = await queryRows<{ refresh_token_hash: string }>(
      t.database.db,
      sql`SELECT refresh_token_hash FROM sessions WHERE user_id = ${user.id}`,
    );
    for (const { refresh_token_hash } of hashes) expect(response.text).not.toContain(refresh_token_hash);
    expect(response.text).not.toContain(second.body.refresh_token);
    expect(response.text).not.toMatch(/hash|token"/);

    const live = await asOp('GET', `/operator/users/${user.id}/sessions?active=true`);
    expect(live.body.sessions).toHaveLength(1);
    const ended = await asOp('GET', `/operator/users/${user.id}/sessions?active=false`);
    expect(ended.body.sessions.map((s: { session_id: string }) => s.session_id)).toEqual([sessionIdOf(first.token)]);
  });

  it('pages through many sessions without repeats or gaps', async () => {
    const user = await t.registerUser();
    for (let i = 0; i < 5; i++) await t.login(user);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const response: { status: number; body: any } = await asOp(
        'GET',
        `/operator/users/${user.id}/sessions?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(response.status).toBe(200);
      seen.push(...response.body.sessions.map((s: { session_id: string }) => s.session_id));
      cursor = response.body.next_cursor;
    } while (cursor);
    expect(seen).toHaveLength(5);
    expect(new Set(seen).size).toBe(5);
  });

  it('answers 404 for an unknown user and 400 for a malformed id or cursor', async () => {
    expect((await asOp('GET', '/operator/users/00000000-0000-4000-8000-000000000000/sessions')).status).toBe(404);
    expect((await asOp('GET', '/operator/users/abc/sessions')).status).toBe(400);
    expect((await asOp('GET', `/operator/users/${op.id}/sessions?cursor=abc`)).status).toBe(400);
  });
});

describe('DELETE /operator/users/:userid/sessions/:sessionid', () => {
  it('ends that session only: its tokens stop working at once, the others keep working', async () => {
    const user = await t.registerUser();
    const doomed = await t.login(user);
    const kept = await t.login(user);
    const sessionId = sessionIdOf(doomed.token);
    const response = await asOp('DELETE', `/operator/users/${user.id}/sessions/${sessionId}`);
    expect(response.status).toBe(200);
    expect(response.body.revoked_sessions).toBe(1);
    expect((await t.call('GET', '/auth/verify', { token: doomed.token })).status).toBe(401);
    expect((await t.call('POST', '/auth/refresh', { body: { refresh_token: doomed.refresh_token } })).status).toBe(401);
    expect((await t.call('GET', '/auth/verify', { token: kept.token })).status).toBe(200);
    expect(await eventsOf('operator.session_revoked', user.id)).toEqual([
      { actor_user_id: op.id, detail: { session_id: sessionId, was_active: true } },
    ]);

    const again = await asOp('DELETE', `/operator/users/${user.id}/sessions/${sessionId}`);
    expect(again.status).toBe(200);
    expect(again.body.revoked_sessions).toBe(0);
  });

  it("answers 404 for another user's session, an unknown session or user, and 400 for a malformed session id", async () => {
    const owner = await t.registerUser();
    const other = await t.registerUser();
    const { token } = await t.login(owner);
    const notTheirs = await asOp('DELETE', `/operator/users/${other.id}/sessions/${sessionIdOf(token)}`);
    expect(notTheirs.status).toBe(404);
    expect(notTheirs.body.type).toBe('urn:sentinel:problem:session_not_found');
    expect((await t.call('GET', '/auth/verify', { token })).status).toBe(200);
    expect((await asOp('DELETE', `/operator/users/${owner.id}/sessions/00000000-0000-4000-8000-000000000000`)).status).toBe(404);
    expect((await asOp('DELETE', `/operator/users/00000000-0000-4000-8000-000000000000/sessions/${sessionIdOf(token)}`)).status).toBe(404);
    expect((await asOp('DELETE', `/operator/users/${owner.id}/sessions/nope`)).status).toBe(400);
  });
});

describe('DELETE /operator/users/:userid/sessions', () => {
  // Threat: a stolen session of an operator, cut off by another operator.
  it("ends every session of the user at once, an operator's included, and records one operator.sessions_revoked", async () => {
    const other = await t.createOperator();
    const a = await t.login(other);
    const b = await t.login(other);
    const response = await asOp('DELETE', `/operator/users/${other.id}/sessions`);
    expect(response.status).toBe(200);
    expect(response.body.revoked_sessions).toBe(2);
    for (const session of [a, b]) {
      expect((await t.call('GET', '/operator/users', { token: session.token })).status).toBe(401);
      expect((await t.call('POST', '/auth/refresh', { body: { refresh_token: session.refresh_token } })).status).toBe(401);
    }
    expect(await eventsOf('operator.sessions_revoked', other.id)).toEqual([{ actor_user_id: op.id, detail: { sessions_ended: 2 } }]);
    const live = await queryRows(t.database.db, sql`SELECT 1 FROM sessions WHERE user_id = ${other.id} AND revoked_at IS NULL`);
    expect(live).toEqual([]);
  });

  it('answers 404 for an unknown user', async () => {
    expect((await asOp('DELETE', '/operator/users/00000000-0000-4000-8000-000000000000/sessions')).status).toBe(404);
  });
});
