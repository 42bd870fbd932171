import { sql } from 'drizzle-orm';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../src/crypto/secrets.js';
import { queryRows } from '../src/db/client.js';
import { type TestApp, type TestUser } from './helpers/app.js';
import { loggedInUser, appWithOperator, type SignedIn } from './helpers/fixtures.js';
import { registerApp } from './helpers/apps.js';

let t: TestApp;
let operator: SignedIn;
let user: TestUser;

beforeAll(async () => {
  ({ t, operator } = await appWithOperator());
  user = await t.registerUser();
});
afterAll(() => t.close());

const loginWith = (apiKey: string) => t.call('POST', '/auth/login', { apiKey, body: { email: user.email, password: user.password } });

describe('/operator/app/:appid/keys', () => {
  it('POST issues a key shown once that works as X-API-KEY, and sessions started with it record the app', async () => {
    const { id } = await registerApp(t, operator.token);
    const response = await t.call('POST', `/operator/app/${id}/keys`, { token: operator.token, body: { name: 'production' } });
    expect(response.status).toBe(201);
    expect(response.body.key).toMatchObject({
      app_id: id,
      name: 'production',
      prefix: response.body.api_key.slice(0, 14),
      last_used_at: null,
      revoked_at: null,
    });
    const [stored] = await queryRows<{ key_hash: string }>(
      t.database.db,
      sql`SELECT key_hash FROM app_api_keys WHERE id = ${response.body.key.key_id}`,
    );
    expect(stored!.key_hash).toBe(sha256Hex(response.body.api_key));

    const login = await loginWith(response.body.api_key);
    expect(login.status).toBe(200);
    const [session] = await queryRows<{ app_id: number }>(
      t.database.db,
      sql`SELECT app_id FROM sessions WHERE user_id = ${user.id} ORDER BY created_at DESC LIMIT 1`,
    );
    expect(session!.app_id).toBe(id);
    const registered = await t.call('POST', '/auth/register', {
      apiKey: response.body.api_key,
      body: { user_info: { username: `viaapp${id}`, email: `viaapp${id}@example.com` }, password: 'correct horse battery' },
    });
    expect(registered.status).toBe(201);
  });

  it('GET lists keys oldest first with prefixes and last use, never a secret or hash', async () => {
    const { id, apiKey } = await registerApp(t, operator.token);
    const second = await t.call('POST', `/operator/app/${id}/keys`, { token: operator.token, body: {} });
    const third = await t.call('POST', `/operator/app/${id}/keys`, { token: operator.token, body: { name: 'ci' } });
    expect((await loginWith(apiKey)).status).toBe(200);

    const first = await t.call('GET', `/operator/app/${id}/keys?limit=2`, { token: operator.token });
    expect(first.status).toBe(200);
    expect(first.body.keys).toHaveLength(2);
    const rest = await t.call('GET', `/operator/app/${id}/keys?limit=2&cursor=${first.body.next_cursor}`, { token: operator.token });
    expect(rest.body.next_cursor).toBeNull();
    const keys = [...first.body.keys, ...rest.body.keys];
    expect(keys.map((key) => key.key_id)).toEqual([expect.any(String), second.body.key.key_id, third.body.key.key_id]);
    expect(keys.map((key) => key.name)).toEqual(['default', '', 'ci']);
    expect(keys[0].last_used_at).not.toBeNull();
    expect(Object.keys(keys[0]).sort()).toEqual(['app_id', 'created_at', 'key_id', 'last_used_at', 'name', 'prefix', 'revoked_at']);
    const text = first.text + rest.text;
    for (const secret of [apiKey, second.body.api_key, third.body.api_key]) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain(sha256Hex(secret));
    }
  });

  // Threat: a leaked key that keeps working after the operator revoked it.
  it('DELETE revokes a key at once; it stays listed with revoked_at and other keys keep working', async () => {
    const { id, apiKey } = await registerApp(t, operator.token);
    const spare = await t.call('POST', `/operator/app/${id}/keys`, { token: operator.token, body: { name: 'spare' } });
    const [keyRow] = await queryRows<{ id: string }>(t.database.db, sql`SELECT id FROM app_api_keys WHERE key_hash = ${sha256Hex(apiKey)}`);
    expect((await loginWith(apiKey)).status).toBe(200);

    const revoked = await t.call('DELETE', `/operator/app/${id}/keys/${keyRow!.id}`, { token: operator.token });
    expect(revoked.status).toBe(204);
    const refused = await loginWith(apiKey);
    expect(refused.status).toBe(401);
    expect(refused.body.type).toBe('urn:sentinel:problem:invalid_api_key');
    expect((await loginWith(spare.body.api_key)).status).toBe(200);

    const listed = await t.call('GET', `/operator/app/${id}/keys`, { token: operator.token });
    expect(listed.body.keys.find((key: { key_id: string }) => key.key_id === keyRow!.id).revoked_at).not.toBeNull();
    expect((await t.call('DELETE', `/operator/app/${id}/keys/${keyRow!.id}`, { token: operator.token })).status).toBe(204);
    const events = await queryRows(
      t.database.db,
      sql`SELECT 1 FROM audit_events WHERE action = 'app.key_revoked' AND detail->>'key_id' = ${keyRow!.id}`,
    );
    expect(events).toHaveLength(1);
  });

  it('DELETE answers 404 for an unknown key or a key of another app, and revokes nothing', async () => {
    const a = await registerApp(t, operator.token);
    const b = await registerApp(t, operator.token);
    const [keyOfA] = await queryRows<{ id: string }>(t.database.db, sql`SELECT id FROM app_api_keys WHERE app_id = ${a.id}`);
    expect((await t.call('DELETE', `/operator/app/${b.id}/keys/${keyOfA!.id}`, { token: operator.token })).status).toBe(404);
    expect((await t.call('DELETE', `/operator/app/${a.id}/keys/${randomUUID()}`, { token: operator.token })).status).toBe(404);
    expect((await t.call('DELETE', `/operator/app/${a.id}/keys/not-a-uuid`, { token: operator.token })).status).toBe(400);
    expect((await loginWith(a.apiKey)).status).toBe(200);
  });

  it('answers 404 for an unknown app, 400 for a forged cursor, and 403 to non-operators', async () => {
    const { id } = await registerApp(t, operator.token);
    expect((await t.call('POST', '/operator/app/888888/keys', { token: operator.token, body: {} })).status).toBe(404);
    expect((await t.call('GET', '/operator/app/888888/keys', { token: operator.token })).status).toBe(404);
    const forged = Buffer.from(JSON.stringify(['nope'])).toString('base64url');
    expect((await t.call('GET', `/operator/app/${id}/keys?cursor=${forged}`, { token: operator.token })).status).toBe(400);
    const plain = await loggedInUser(t);
    expect((await t.call('POST', `/operator/app/${id}/keys`, { token: plain.token, body: {} })).status).toBe(403);
    expect((await t.call('GET', `/operator/app/${id}/keys`, { token: plain.token })).status).toBe(403);
  });

  it('audits key creation with the prefix, never the key', async () => {
    const { id } = await registerApp(t, operator.token);
    const response = await t.call('POST', `/operator/app/${id}/keys`, { token: operator.token, body: { name: 'audited' } });
    const [event] = await queryRows<{ detail: Record<string, unknown>; actor_user_id: string }>(
      t.database.db,
      sql`SELECT detail, actor_user_id FROM audit_events WHERE action = 'app.key_created' ORDER BY id DESC LIMIT 1`,
    );
    expect(event).toEqual({
      actor_user_id: operator.id,
      detail: { app_id: id, key_id: response.body.key.key_id, prefix: response.body.key.prefix },
    });
    expect(JSON.stringify(event)).not.toContain(response.body.api_key);
  });
});
