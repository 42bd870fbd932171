import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows, type ListenerConnection } from '../src/db/client.js';
import { WebhookSubscriptions, type WebhookFilter } from '../src/modules/webhooks/subscriptions.js';
import { registerApp } from './helpers/apps.js';
import { anotherProcess, testEngine, type TestApp } from './helpers/app.js';
import { within } from './helpers/eventually.js';
import { createWebhookTestApp, startReceiver, subscribe, verified, type Receiver } from './helpers/webhooks.js';

/*
 * Each process keeps a snapshot of the enabled webhooks' filters so that a change nobody
 * subscribes to costs no query (src/modules/webhooks/subscriptions.ts). Threat: a stale snapshot
 * drops an event a webhook subscribed to, or the shortcut changes what is stored.
 */
describe('webhook subscriptions snapshot', () => {
  let t: TestApp;
  let token: string;
  const receivers: Receiver[] = [];
  const receiver = async () => {
    const r = await startReceiver();
    receivers.push(r);
    return r;
  };
  const deliveriesOf = async (type: string) =>
    (await queryRows<{ n: number }>(t.database.db, sql`SELECT count(*)::int AS n FROM webhook_deliveries WHERE event_type = ${type}`))[0]!;

  beforeAll(async () => {
    t = await createWebhookTestApp();
    token = (await t.login(await t.createOperator())).token;
  });
  afterAll(async () => {
    await t.close();
    await Promise.all(receivers.map((r) => r.close()));
  });

  it('stores nothing for a change no webhook subscribes to, and still logs in', async () => {
    expect(t.services.webhooks.outbox.mayReceive('session.created')).toBe(false);
    const user = await t.registerUser();
    const session = await t.login(user);
    expect(session.token).toBeTruthy();
    expect((await t.call('GET', '/auth/verify', { token: session.token })).status).toBe(200);
    expect((await deliveriesOf('session.created')).n).toBe(0);
  });

  it('delivers a login made right after the subscription answered, and stops once it is disabled', async () => {
    const r = await receiver();
    const { id, secret } = await subscribe(t, token, { url: r.url, events: ['session.created'] });
    const user = await t.registerUser();
    const session = await t.login(user);
    expect(await within(3000, async () => r.received.length === 1)).toBe(true);
    expect(verified(secret, r.received[0]!)).toMatchObject({ type: 'session.created', data: { user_id: user.id } });
    expect((await t.call('GET', '/auth/verify', { token: session.token })).status).toBe(200);

    expect((await t.call('PATCH', `/operator/webhooks/${id}`, { token, body: { enabled: false } })).status).toBe(200);
    const before = (await deliveriesOf('session.created')).n;
    await t.login(user);
    expect((await deliveriesOf('session.created')).n).toBe(before);
  });

  it('honours, within a second, a webhook inserted straight into the database (the trigger announces it)', async () => {
    const r = await receiver();
    const { id } = await subscribe(t, token, { url: r.url, events: ['user.updated'] });
    // Disabled through SQL behind the service's back, then enabled again the same way.
    await t.database.db.execute(sql`UPDATE webhooks SET enabled = false WHERE id = ${id}`);
    expect(await within(1000, async () => !t.services.webhooks.outbox.mayReceive('user.updated'))).toBe(true);
    await t.database.db.execute(sql`UPDATE webhooks SET enabled = true WHERE id = ${id}`);
    expect(await within(1000, async () => t.services.webhooks.outbox.mayReceive('user.updated'))).toBe(true);
    const user = await t.registerUser();
    const session = await t.login(user);
    await t.call('POST', '/user/userinfo/update', { token: session.token, body: { first_name: 'Renamed' } });
    expect(await within(3000, async () => r.received.length === 1)).toBe(true);
  });

  it('honours an app-scoped webhook at once for its app', async () => {
    const app = await registerApp(t, token);
    await subscribe(t, token, { url: 'http://127.0.0.1:9/', events: ['profile.created'], app_id: app.id });
    expect(t.services.webhooks.outbox.mayReceive('profile.created', app.id)).toBe(true);
    expect(t.services.webhooks.outbox.mayReceive('profile.created', null)).toBe(true);
  });
});

describe('the snapshot is trusted only while it is fresh', () => {
  // On PostgreSQL the test files share one database, so other files' webhooks would leak into an
  // exact check of the filters: that one runs on a snapshot this test owns.
  it('keeps app-scoped filters: an event of another app is skipped, one of its app or of none is not', async () => {
    const subscriptions = new WebhookSubscriptions({
      database: { listen: async () => async () => {} },
      load: async () => [{ events: ['profile.created'], appId: 7 }],
      onError: (error) => {
        throw error;
      },
    });
    await subscriptions.start();
    expect(subscriptions.mayReceive('profile.created', 8)).toBe(false);
    expect(subscriptions.mayReceive('profile.created', 7)).toBe(true);
    expect(subscriptions.mayReceive('profile.created', null)).toBe(true);
    expect(subscriptions.mayReceive('profile.deleted', 7)).toBe(false);
    await subscriptions.stop();
  });

  it('answers "may receive" while LISTEN is down and while a read that began before the last notification is pending', async () => {
    let connection: ListenerConnection | undefined;
    let notify: () => void = () => {};
    let rows: WebhookFilter[] = [];
    let hold: Promise<void> | undefined;
    const subscriptions = new WebhookSubscriptions({
      database: {
        listen: async (_channel, onMessage, conn) => {
          connection = conn;
          notify = () => onMessage('');
          return async () => {};
        },
      },
      load: async () => {
        const snapshot = rows;
        await hold;
        return snapshot;
      },
      onError: (error) => {
        throw error;
      },
    });
    expect(subscriptions.mayReceive('user.created')).toBe(true);
    await subscriptions.start();
    expect(subscriptions.mayReceive('user.created')).toBe(false);

    connection!.onLost();
    expect(subscriptions.mayReceive('user.created')).toBe(true);
    connection!.onRestored();
    await subscriptions.changed();
    expect(subscriptions.mayReceive('user.created')).toBe(false);

    // A read in flight when a webhook is created elsewhere: its answer (none) is not trusted.
    let release: () => void = () => {};
    hold = new Promise((resolve) => (release = resolve));
    const stale = subscriptions.changed();
    await new Promise((resolve) => setTimeout(resolve, 0)); // the read has begun, with no webhook
    rows = [{ events: ['user.created'], appId: null }];
    notify();
    expect(subscriptions.mayReceive('user.created')).toBe(true);
    release();
    hold = undefined;
    await stale;
    // The stale read has landed and was dropped: still "may receive" until the next read lands.
    expect(subscriptions.mayReceive('user.created')).toBe(true);
    await subscriptions.changed();
    expect(subscriptions.mayReceive('user.created')).toBe(true);
    expect(subscriptions.mayReceive('user.deleted')).toBe(false);
    await subscriptions.stop();
    expect(subscriptions.mayReceive('user.deleted')).toBe(true);
  });
});

describe.runIf(testEngine === 'postgres')('webhook subscriptions across processes on one PostgreSQL', () => {
  let a: TestApp;
  let b: Awaited<ReturnType<typeof anotherProcess>>;
  let r: Receiver;

  beforeAll(async () => {
    a = await createWebhookTestApp();
    b = await anotherProcess(a);
    r = await startReceiver();
  });
  afterAll(async () => {
    await b.close();
    await a.close();
    await r.close();
  });

  it('delivers a login on B made at once after a webhook was created on A', async () => {
    const token = (await a.login(await a.createOperator())).token;
    const user = await a.registerUser();
    const { secret } = await subscribe(a, token, { url: r.url, events: ['session.created'] });
    const login = await b.app.inject({
      method: 'POST',
      url: '/auth/login',
      headers: { 'x-api-key': a.config.apiKey! },
      payload: { email: user.email, password: user.password },
    });
    expect(login.statusCode).toBe(200);
    expect(await within(3000, async () => r.received.length === 1)).toBe(true);
    expect(verified(secret, r.received[0]!)).toMatchObject({ type: 'session.created', data: { user_id: user.id } });
  });
});
