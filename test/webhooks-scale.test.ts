import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { queryRows } from '../src/db/client.js';
import { anotherProcess, type TestApp } from './helpers/app.js';
import { within } from './helpers/eventually.js';
import { createWebhookTestApp, startReceiver, subscribe, type Receiver } from './helpers/webhooks.js';

/** A second server on the same database: its own connections on PostgreSQL, the same PGlite otherwise. */
async function secondServer(t: TestApp): Promise<{ app: FastifyInstance; close(): Promise<void> }> {
  if (t.databaseUrl) return anotherProcess(t);
  const app = await buildApp({ config: t.config, database: t.database, secrets: t.secrets, logger: false });
  await app.ready();
  return { app, close: () => app.close() };
}

describe('webhook dispatch at scale', () => {
  let t: TestApp;
  let token: string;
  const receivers: Receiver[] = [];

  beforeAll(async () => {
    // A long timeout: receiver, servers and PGlite share one busy event loop here, and a timed-out attempt is sent again.
    t = await createWebhookTestApp({ timeoutMs: 30_000 });
    token = (await t.login(await t.createOperator())).token;
  });
  afterAll(async () => {
    await t.close();
    await Promise.all(receivers.map((r) => r.close()));
  });

  it('two servers on one database deliver each of 1,000 events exactly once', async () => {
    const second = await secondServer(t);
    try {
      const r = await startReceiver();
      receivers.push(r);
      const { id } = await subscribe(t, token, { url: r.url, events: ['profile.updated'] });
      for (let batch = 0; batch < 10; batch++) {
        await t.database.db.transaction(async (tx) => {
          for (let i = 0; i < 100; i++) {
            await t.services.webhooks.outbox.emit(tx, { type: 'profile.updated', appId: 1, data: { n: batch * 100 + i } });
          }
        });
      }
      expect(await within(60_000, async () => r.received.length >= 1000)).toBe(true);
      // Anything sent twice would show up by now.
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(r.received).toHaveLength(1000);
      expect(new Set(r.received.map((request) => request.headers['webhook-id'])).size).toBe(1000);
      expect(new Set(r.accepted().map((p) => p.data.n)).size).toBe(1000);
      expect(
        await within(5000, async () => {
          const rows = await queryRows<{ status: string; attempts: number; n: number }>(
            t.database.db,
            sql`SELECT status, attempts, count(*)::int AS n FROM webhook_deliveries WHERE webhook_id = ${id} GROUP BY status, attempts`,
          );
          return rows.length === 1 && rows[0]!.status === 'delivered' && rows[0]!.attempts === 1 && rows[0]!.n === 1000;
        }),
      ).toBe(true);
      await t.call('DELETE', `/operator/webhooks/${id}`, { token });
    } finally {
      await second.close();
    }
  }, 90_000);

  it('a slow receiver does not slow the API', async () => {
    const r = await startReceiver(() => ({ status: 200, delayMs: 1500 }));
    receivers.push(r);
    await subscribe(t, token, { url: r.url, events: ['session.created'] });
    const user = await t.registerUser();
    // Every login queues a delivery that the receiver holds for 1.5 s.
    for (let i = 0; i < 20; i++) await t.login(user);
    expect(await within(5000, async () => r.received.length >= 10)).toBe(true);

    const timings: number[] = [];
    for (let i = 0; i < 10; i++) {
      const started = performance.now();
      const response = await t.call('POST', '/auth/login', { body: { email: user.email, password: user.password } });
      expect(response.status).toBe(200);
      timings.push(performance.now() - started);
    }
    // Deliveries are still held by the receiver while the API answers.
    expect(r.holding()).toBeGreaterThan(0);
    expect(Math.max(...timings)).toBeLessThan(1000);
  }, 30_000);
});
