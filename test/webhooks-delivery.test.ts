import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerApp } from './helpers/apps.js';
import type { TestApp } from './helpers/app.js';
import { within } from './helpers/eventually.js';
import { createWebhookTestApp, startReceiver, subscribe, verified, type Receiver } from './helpers/webhooks.js';

describe('webhook delivery', () => {
  let t: TestApp;
  let token: string;
  const receivers: Receiver[] = [];
  const receiver = async (...args: Parameters<typeof startReceiver>) => {
    const r = await startReceiver(...args);
    receivers.push(r);
    return r;
  };

  const newApp = async () => ({ app_id: (await registerApp(t, token)).id });

  beforeAll(async () => {
    t = await createWebhookTestApp();
    token = (await t.login(await t.createOperator())).token;
  });
  afterAll(async () => {
    await t.close();
    await Promise.all(receivers.map((r) => r.close()));
  });

  it('POSTs each event as {type, timestamp, data}, signed per Standard Webhooks with the whsec_ secret', async () => {
    const r = await receiver();
    const { secret } = await subscribe(t, token, { url: r.url, events: ['user.created', 'user.updated', 'session.created'] });
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    const user = await t.registerUser();
    const session = await t.login(user);
    await t.call('POST', '/user/userinfo/update', { token: session.token, body: { first_name: 'Renamed' } });

    expect(await within(5000, async () => r.received.length >= 3)).toBe(true);
    const payloads = r.received.map((request) => verified(secret, request) as { type: string; timestamp: string; data: any });
    expect(payloads.map((p) => p.type).sort()).toEqual(['session.created', 'user.created', 'user.updated']);
    const created = payloads.find((p) => p.type === 'user.created')!;
    expect(created.data.user).toMatchObject({ user_id: user.id, email: user.email });
    expect(JSON.stringify(created)).not.toMatch(/password|hash/i);
    expect(Number.isNaN(Date.parse(created.timestamp))).toBe(false);
    expect(r.received[0]!.headers['content-type']).toBe('application/json');
    // A tampered body does not verify.
    expect(() => verified(secret, { ...r.received[0]!, body: r.received[0]!.body.replace('}', ' }') })).toThrow();
  });

  it('a receiver that fails three times gets the event on the fourth attempt, and the deliveries route shows all four', async () => {
    const r = await receiver((index) => ({ status: index < 3 ? 503 : 200 }));
    const { id, secret } = await subscribe(t, token, { url: r.url, events: ['app.created'] });
    const app = await newApp();

    expect(await within(5000, async () => r.accepted().length === 1)).toBe(true);
    expect(r.received).toHaveLength(4);
    // The same message id on every attempt, so a receiver can drop repeats.
    expect(new Set(r.received.map((request) => request.headers['webhook-id'])).size).toBe(1);
    expect(verified(secret, r.received[3]!)).toMatchObject({ type: 'app.created', data: { app_id: app.app_id } });

    const deliveries = () => t.call('GET', `/operator/webhooks/${id}/deliveries`, { token });
    // The receiver answered before Sentinel recorded the answer.
    expect(await within(5000, async () => (await deliveries()).body.deliveries[0]?.status === 'delivered')).toBe(true);
    const page = await deliveries();
    expect(page.status).toBe(200);
    const [delivery] = page.body.deliveries;
    expect(delivery).toMatchObject({ event_type: 'app.created', status: 'delivered', next_attempt_at: null });
    expect(delivery.attempts.map((a: { status_code: number }) => a.status_code)).toEqual([503, 503, 503, 200]);
    expect(delivery.attempts.every((a: { attempted_at: string }) => !Number.isNaN(Date.parse(a.attempted_at)))).toBe(true);
  });

  it('a change that rolls back sends nothing', async () => {
    const r = await receiver();
    await subscribe(t, token, { url: r.url, events: ['*'] });
    await expect(
      t.database.db.transaction(async (tx) => {
        await t.services.webhooks.outbox.emit(tx, { type: 'user.deleted', data: { user_id: 'rolled-back' } });
        throw new Error('the change fails');
      }),
    ).rejects.toThrow('the change fails');
    // A username taken: the register transaction fails after nothing was committed.
    const taken = await t.registerUser();
    const again = await t.call('POST', '/auth/register', {
      body: { user_info: { username: taken.username, email: 'other@example.com' }, password: 'correct horse battery' },
    });
    expect(again.status).toBe(409);
    t.services.webhooks.dispatcher.wake();
    await new Promise((resolve) => setTimeout(resolve, 500));
    const types = r.accepted().map((p) => `${p.type}:${p.data.user_id ?? p.data.user?.email}`);
    expect(types).toEqual([`user.created:${taken.id}`]);
  });

  it('profile events honour the webhook app_id; other events reach it whatever their app', async () => {
    const appA = await newApp();
    const appB = await newApp();
    const r = await receiver();
    await subscribe(t, token, { url: r.url, events: ['profile.created', 'profile.deleted', 'user.deleted'], app_id: appA.app_id });
    const user = await t.registerUser();
    const { token: userToken } = await t.login(user);
    const inA = await t.call('POST', '/user/profiles/create', { token: userToken, body: { app_id: appA.app_id, profile_data: { a: 1 } } });
    const inB = await t.call('POST', '/user/profiles/create', { token: userToken, body: { app_id: appB.app_id, profile_data: { b: 1 } } });
    expect([inA.status, inB.status]).toEqual([201, 201]);
    await t.call('DELETE', `/user/profiles/${appA.app_id}/${inA.body.profile.profile_id}`, { token: userToken });
    expect((await t.call('GET', '/user/delete', { token: userToken })).status).toBe(200);

    expect(await within(5000, async () => r.received.length >= 3)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(r.accepted().map((p) => [p.type, p.data.app_id ?? null])).toEqual([
      ['profile.created', appA.app_id],
      ['profile.deleted', appA.app_id],
      ['user.deleted', null],
    ]);
  });

  it('a disabled webhook queues nothing; a delivery failed past the retry window can be retried by hand', async () => {
    let healthy = false;
    const r = await receiver(() => ({ status: healthy ? 200 : 500 }));
    const { id } = await subscribe(t, token, { url: r.url, events: ['app.updated'] });
    const patch = (body: object) => t.call('PATCH', `/operator/webhooks/${id}`, { token, body });
    const deliveries = async () => (await t.call('GET', `/operator/webhooks/${id}/deliveries`, { token })).body.deliveries;
    expect((await patch({ enabled: false })).body.webhook.enabled).toBe(false);
    const app = await newApp();
    await t.call('PATCH', `/operator/app/${app.app_id}`, { token, body: { description: 'while disabled' } });
    expect(await deliveries()).toEqual([]);

    expect((await patch({ enabled: true })).body.webhook.enabled).toBe(true);
    await t.call('PATCH', `/operator/app/${app.app_id}`, { token, body: { description: 'enabled again' } });
    expect(await within(5000, async () => r.received.length >= 2)).toBe(true);
    // Held while disabled; then its 24 hours are made to be over, so the next failure is its last.
    await patch({ enabled: false });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await t.database.db.execute(sql`UPDATE webhook_deliveries SET give_up_at = now() - interval '1 second' WHERE webhook_id = ${id}`);
    await patch({ enabled: true });
    expect(await within(5000, async () => (await deliveries())[0]?.status === 'failed')).toBe(true);
    const [failed, ...others] = await deliveries();
    expect(others).toEqual([]);
    expect(failed.attempts.length).toBe(r.received.length);
    expect(failed.attempts.every((a: { status_code: number }) => a.status_code === 500)).toBe(true);

    healthy = true;
    const retry = await t.call('POST', `/operator/webhooks/${id}/deliveries/${failed.delivery_id}/retry`, { token });
    expect(retry.status).toBe(202);
    expect(retry.body.delivery.status).toBe('pending');
    expect(await within(5000, async () => (await deliveries())[0]?.status === 'delivered')).toBe(true);
    expect(r.accepted().map((p) => p.data.app.description)).toEqual(['enabled again']);
  });

  it('an unreachable receiver is recorded as an error, not a status', async () => {
    const closed = await startReceiver();
    await closed.close();
    const { id } = await subscribe(t, token, { url: closed.url, events: ['app.created'] });
    await newApp();
    const deliveries = async () => (await t.call('GET', `/operator/webhooks/${id}/deliveries`, { token })).body.deliveries;
    expect(await within(5000, async () => (await deliveries())[0]?.attempts.length >= 1)).toBe(true);
    const [attempt] = (await deliveries())[0].attempts;
    expect(attempt).toMatchObject({ status_code: null, error: expect.stringContaining('ECONNREFUSED') });
    await t.call('DELETE', `/operator/webhooks/${id}`, { token });
  });

  it('each change the API makes reaches a "*" subscriber as its event, bulk and import as one event each', async () => {
    const r = await receiver();
    await subscribe(t, token, { url: r.url, events: ['*'] });
    const app = await newApp();
    const user = await t.registerUser();
    const own = await t.login(user);
    const profile = await t.call('POST', '/user/profiles/create', {
      token: own.token,
      body: { app_id: app.app_id, profile_data: { v: 1 } },
    });
    const profileUrl = `/user/profiles/${app.app_id}/${profile.body.profile.profile_id}`;
    expect((await t.call('PUT', profileUrl, { token: own.token, body: { profile_data: { v: 2 } } })).status).toBe(200);
    const changed = await t.call('POST', '/auth/reset-password', {
      token: own.token,
      body: { old_password: user.password, new_password: 'a brand new passphrase' },
    });
    expect(changed.status).toBe(200);
    expect((await t.call('GET', '/auth/logout', { token: own.token })).status).toBe(200);
    const bulk = await t.call('POST', '/operator/profile/create-bulk', {
      token,
      body: { profiles: [1, 2, 3].map((n) => ({ app_id: app.app_id, user_id: user.id, profile_data: { n } })) },
    });
    expect(bulk.status).toBe(201);
    const imported = await t.call('POST', '/operator/users/import', {
      token,
      apiKey: null,
      body: {
        users: ['imp1', 'imp2'].map((name) => ({
          user_info: { username: `${name}${user.username}`, email: `${name}${user.email}` },
          password_hash: '$2y$05$H1dndnHdyQqk8CtbfqJ2Oe/yJ91o96Yu0feqjBWR4AUIR1ZzS3m8S',
          hash_algorithm: 'bcrypt',
        })),
      },
    });
    expect(imported.status).toBe(200);
    expect((await t.call('GET', `/operator/users/delete/${encodeURIComponent(user.email)}`, { token })).status).toBe(200);
    expect((await t.call('POST', '/operator/users/restore', { token, body: { user_id: user.id } })).status).toBe(200);
    await t.call('GET', `/operator/users/delete/${encodeURIComponent(user.email)}`, { token });
    expect((await t.call('DELETE', `/operator/users/${user.id}`, { token })).status).toBeLessThan(300);
    expect((await t.call('DELETE', `/operator/app/${app.app_id}`, { token })).status).toBe(204);

    const expected = [
      'app.created',
      'user.created',
      'session.created',
      'profile.created',
      'profile.updated',
      'password.changed',
      'session.revoked',
      'profiles.bulk_created',
      'users.imported',
      'user.deleted',
      'user.restored',
      'user.deleted',
      'user.purged',
      'app.deleted',
    ];
    expect(await within(10_000, async () => r.received.length >= expected.length)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const events = r.accepted().sort((a, b) => a.timestamp.localeCompare(b.timestamp));
    expect(events.map((e) => e.type)).toEqual(expected);
    expect(events.find((e) => e.type === 'profiles.bulk_created')!.data).toEqual({ count: 3, app_ids: [app.app_id] });
    expect(events.find((e) => e.type === 'users.imported')!.data).toEqual({ source: 'api', count: 2 });
    expect(events.find((e) => e.type === 'user.purged')!.data).toEqual({ user_id: user.id });
    expect(events.find((e) => e.type === 'session.revoked')!.data).toEqual({
      session_id: expect.any(String),
      user_id: user.id,
      reason: expect.any(String),
    });
  });
});
