import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../src/db/client.js';
import type { TestApp } from './helpers/app.js';
import { within } from './helpers/eventually.js';
import { createWebhookTestApp, startReceiver, subscribe, type Receiver } from './helpers/webhooks.js';

const METRICS_TOKEN = 'metrics-token-for-webhook-tests';

describe('/operator/webhooks', () => {
  let t: TestApp;
  let token: string;
  let operatorId: string;
  let receiver: Receiver;
  const stored = () => queryRows<{ id: string; secret_sealed: string }>(t.database.db, sql`SELECT id, secret_sealed FROM webhooks`);
  const auditActions = async () =>
    (
      await queryRows<{ action: string }>(t.database.db, sql`SELECT action FROM audit_events WHERE action LIKE 'webhook.%' ORDER BY id`)
    ).map((row) => row.action);

  beforeAll(async () => {
    t = await createWebhookTestApp({}, { metricsToken: METRICS_TOKEN });
    const operator = await t.createOperator();
    operatorId = operator.id;
    token = (await t.login(operator)).token;
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await t.close();
    await receiver.close();
  });

  it('create answers the secret once; reads never show it, and it is stored only encrypted', async () => {
    const created = await t.call('POST', '/operator/webhooks', { token, body: { url: receiver.url, events: ['user.created', '*'] } });
    expect(created.status).toBe(201);
    const { webhook, secret } = created.body;
    expect(created.headers.location).toBe(`/operator/webhooks/${webhook.webhook_id}`);
    expect(webhook).toMatchObject({ url: receiver.url, events: ['user.created', '*'], app_id: null, enabled: true });
    expect(secret).toMatch(/^whsec_/);

    const one = await t.call('GET', `/operator/webhooks/${webhook.webhook_id}`, { token });
    const all = await t.call('GET', '/operator/webhooks', { token });
    expect(one.body).toEqual({ webhook });
    expect(all.body.webhooks).toContainEqual(webhook);
    expect(one.text + all.text).not.toContain(secret.slice(6));
    const [row] = (await stored()).filter((r) => r.id === webhook.webhook_id);
    expect(row!.secret_sealed).not.toContain(secret.slice(6, 20));
    expect(row!.secret_sealed).toMatch(/^v1\./);
  });

  it('PATCH changes fields and DELETE removes the webhook; each change is audited', async () => {
    const { id } = await subscribe(t, token, { url: receiver.url, events: ['app.created'] });
    const patched = await t.call('PATCH', `/operator/webhooks/${id}`, { token, body: { events: ['app.deleted'], enabled: false } });
    expect(patched.status).toBe(200);
    expect(patched.body.webhook).toMatchObject({ events: ['app.deleted'], enabled: false });
    expect((await t.call('DELETE', `/operator/webhooks/${id}`, { token })).status).toBe(204);
    expect((await t.call('GET', `/operator/webhooks/${id}`, { token })).body.type).toMatch(/webhook_not_found/);
    expect((await t.call('DELETE', `/operator/webhooks/${id}`, { token })).status).toBe(404);
    expect(await auditActions()).toEqual(expect.arrayContaining(['webhook.created', 'webhook.updated', 'webhook.deleted']));
    const [deleted] = await queryRows<{ actor_user_id: string; detail: { webhook_id: string } }>(
      t.database.db,
      sql`SELECT actor_user_id, detail FROM audit_events WHERE action = 'webhook.deleted' ORDER BY id DESC LIMIT 1`,
    );
    expect(deleted).toMatchObject({ actor_user_id: operatorId, detail: { webhook_id: id } });
  });

  it('bad input is problem details and stores nothing', async () => {
    const before = (await stored()).length;
    const cases: [unknown, number][] = [
      [{ url: receiver.url, events: ['user.exploded'] }, 400],
      [{ url: receiver.url, events: [] }, 400],
      [{ url: receiver.url, events: ['*'], secret: 'mine' }, 400],
      [{ url: 'not a url', events: ['*'] }, 422],
      [{ url: receiver.url, events: ['*'], app_id: 999_999 }, 422],
      [{ url: 'https://user:pass@127.0.0.1/', events: ['*'] }, 422],
    ];
    for (const [body, status] of cases) {
      const response = await t.call('POST', '/operator/webhooks', { token, body });
      expect(response.status, JSON.stringify(body)).toBe(status);
      expect(response.headers['content-type']).toMatch(/application\/problem\+json/);
    }
    expect((await t.call('PATCH', `/operator/webhooks/${crypto.randomUUID()}`, { token, body: { enabled: true } })).status).toBe(404);
    expect((await t.call('GET', '/operator/webhooks/not-a-uuid', { token })).status).toBe(400);
    expect((await stored()).length).toBe(before);
  });

  it('only operators manage webhooks', async () => {
    const user = await t.registerUser();
    const { token: userToken } = await t.login(user);
    expect((await t.call('GET', '/operator/webhooks', { token: userToken })).status).toBe(403);
    expect((await t.call('POST', '/operator/webhooks', { token: userToken, body: { url: receiver.url, events: ['*'] } })).status).toBe(403);
    expect((await t.call('GET', '/operator/webhooks')).status).toBe(401);
  });

  it('deliveries are paginated newest first; retry of an unknown delivery is 404; a retry is audited', async () => {
    const { id } = await subscribe(t, token, { url: receiver.url, events: ['password.changed'] });
    for (let i = 0; i < 3; i++) {
      await t.database.db.transaction((tx) => t.services.webhooks.outbox.emit(tx, { type: 'password.changed', data: { n: i } }));
    }
    const first = await t.call('GET', `/operator/webhooks/${id}/deliveries?limit=2`, { token });
    expect(first.body.deliveries).toHaveLength(2);
    const second = await t.call('GET', `/operator/webhooks/${id}/deliveries?limit=2&cursor=${first.body.next_cursor}`, { token });
    expect(second.body).toMatchObject({ next_cursor: null });
    const ids = [...first.body.deliveries, ...second.body.deliveries].map((d: { delivery_id: number }) => d.delivery_id);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    expect(new Set(ids).size).toBe(3);
    expect((await t.call('GET', `/operator/webhooks/${id}/deliveries?cursor=garbage`, { token })).status).toBe(400);

    expect((await t.call('POST', `/operator/webhooks/${id}/deliveries/999999/retry`, { token })).body.type).toMatch(/delivery_not_found/);
    const retried = await t.call('POST', `/operator/webhooks/${id}/deliveries/${ids[0]}/retry`, { token });
    expect(retried.status).toBe(202);
    expect(await auditActions()).toContain('webhook.delivery_retried');
  });

  describe('without SENTINEL_WEBHOOKS_ALLOW_HTTP and SENTINEL_WEBHOOKS_ALLOW_PRIVATE', () => {
    // Threat: an operator token (or a CSRF through it) makes Sentinel POST into the internal network.
    const policy = () => t.config.webhooks;
    beforeAll(() => {
      policy().allowHttp = false;
      policy().allowPrivate = false;
    });
    afterAll(() => {
      policy().allowHttp = true;
      policy().allowPrivate = true;
    });

    it.each([
      ['http://203.0.113.7/hook', /https/],
      ['https://127.0.0.1/hook', /private/],
      ['https://localhost:8443/hook', /private/],
      ['https://[::1]/hook', /private/],
      ['https://[::ffff:127.0.0.1]/hook', /private/],
      ['https://10.1.2.3/hook', /private/],
      ['https://192.168.0.10/hook', /private/],
      ['https://172.20.0.1/hook', /private/],
      ['https://169.254.169.254/latest/meta-data', /private/],
      ['https://0.0.0.0/hook', /private/],
      ['https://[fe80::1]/hook', /private/],
    ])('refuses %s with 422 invalid_webhook_url', async (url, reason) => {
      const response = await t.call('POST', '/operator/webhooks', { token, body: { url, events: ['*'] } });
      expect(response.status).toBe(422);
      expect(response.body.type).toMatch(/invalid_webhook_url/);
      expect(response.body.detail).toMatch(reason);
    });

    it('checks again at delivery time: a webhook whose address is private by then is not sent to', async () => {
      policy().allowPrivate = true;
      policy().allowHttp = true;
      const r = await startReceiver();
      try {
        const { id } = await subscribe(t, token, { url: r.url, events: ['app.updated'] });
        await t.call('PATCH', `/operator/webhooks/${id}`, { token, body: { enabled: false } });
        policy().allowPrivate = false;
        // As if its host's DNS now answered a private address: the check at delivery refuses it.
        await t.call('PATCH', `/operator/webhooks/${id}`, { token, body: { enabled: true } });
        await t.database.db.transaction((tx) => t.services.webhooks.outbox.emit(tx, { type: 'app.updated', data: {} }));
        const deliveries = async () => (await t.call('GET', `/operator/webhooks/${id}/deliveries`, { token })).body.deliveries;
        expect(await within(5000, async () => (await deliveries())[0]?.attempts.length >= 1)).toBe(true);
        expect((await deliveries())[0].attempts[0]).toMatchObject({
          status_code: null,
          error: expect.stringMatching(/^refused: .*private/),
        });
        expect(r.received).toEqual([]);
        await t.call('DELETE', `/operator/webhooks/${id}`, { token });
      } finally {
        policy().allowHttp = false;
        await r.close();
      }
    });
  });

  it('does not follow redirects, and reads only the start of a long answer', async () => {
    const target = await startReceiver();
    const redirecting = await startReceiver(() => ({ status: 302, headers: { location: target.url } }));
    try {
      const { id } = await subscribe(t, token, { url: redirecting.url, events: ['otp.enabled'] });
      await t.database.db.transaction((tx) => t.services.webhooks.outbox.emit(tx, { type: 'otp.enabled', data: {} }));
      const deliveries = async () => (await t.call('GET', `/operator/webhooks/${id}/deliveries`, { token })).body.deliveries;
      expect(await within(5000, async () => (await deliveries())[0]?.attempts.length >= 1)).toBe(true);
      expect((await deliveries())[0]).toMatchObject({ status: 'pending', attempts: [{ status_code: 302 }] });
      expect(redirecting.received.length).toBeGreaterThanOrEqual(1);
      expect(target.received).toEqual([]);
      await t.call('DELETE', `/operator/webhooks/${id}`, { token });
    } finally {
      await Promise.all([target.close(), redirecting.close()]);
    }
  });

  it('GET /metrics shows the backlog: deliveries not yet delivered nor failed', async () => {
    const backlog = async () => {
      const text = (await t.call('GET', '/metrics', { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text;
      return Number(/^sentinel_webhook_deliveries_pending (\d+)$/m.exec(text)?.[1]);
    };
    // This test's webhook alone, so nothing else is delivered meanwhile.
    for (const { webhook_id } of (await t.call('GET', '/operator/webhooks', { token })).body.webhooks) {
      await t.call('DELETE', `/operator/webhooks/${webhook_id}`, { token });
    }
    expect(await backlog()).toBe(0);
    const down = await startReceiver();
    await down.close();
    const { id } = await subscribe(t, token, { url: down.url, events: ['app.deleted'] });
    for (let i = 0; i < 3; i++)
      await t.database.db.transaction((tx) => t.services.webhooks.outbox.emit(tx, { type: 'app.deleted', data: { i } }));
    expect(await backlog()).toBe(3);
    await t.call('DELETE', `/operator/webhooks/${id}`, { token });
    expect(await backlog()).toBe(0);
  });
});
