import { sql } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../src/db/client.js';
import { createTestApp, type TestApp } from './helpers/app.js';
import { testEngine } from './helpers/database.js';
import { within } from './helpers/eventually.js';
import { loggedInOperator } from './helpers/fixtures.js';
import { MailCatcher } from './helpers/smtp.js';
import { terminateConnections } from './helpers/terminate.js';
import { createWebhookTestApp, startReceiver, subscribe, verified, type Receiver } from './helpers/webhooks.js';

/*
 * The outboxes' background senders (src/modules/mail/mail-worker.ts, webhooks/dispatcher.ts)
 * claim, send and record with the database between every step. Threat: PostgreSQL drops their
 * connections (an operator's pg_terminate_backend, a failover) mid-cycle, and a worker dies, stops
 * for good, or loses what was queued. What was acknowledged is sent once the database is back.
 */
describe.runIf(testEngine === 'postgres')('background senders when PostgreSQL drops every connection', () => {
  let admin: pg.Client;
  beforeAll(async () => {
    admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
    await admin.connect();
  });
  afterAll(() => admin.end());

  describe('the mail worker', () => {
    let t: TestApp;
    const smtp = new MailCatcher();
    let port: number;

    beforeAll(async () => {
      // The mail server is down at first: mails wait in the outbox, retried every 100 ms or so.
      await smtp.start();
      port = smtp.port;
      await smtp.stop();
      t = await createTestApp({ config: { mail: { ...smtp.config(port), retryBaseMs: 50 } } });
    });
    afterAll(async () => {
      await t.close();
      await smtp.stop();
    });

    it('sends every acknowledged mail once the mail server is up, though its connections were cut while it retried', async () => {
      const serverDownSince = Date.now();
      const users = await Promise.all(Array.from({ length: 4 }, () => t.registerUser()));
      for (const user of users) {
        expect((await t.call('POST', '/auth/password-reset/request', { body: { email: user.email } })).status).toBe(202);
      }
      // The worker is retrying against the absent mail server: cut its connections, twice.
      for (let round = 0; round < 2; round += 1) {
        await new Promise((resolve) => setTimeout(resolve, 150));
        expect(await terminateConnections(admin, t.databaseUrl!)).toBeGreaterThan(0);
      }
      await smtp.start(port);
      // Retries back off exponentially, so the next one comes at most about as long after the
      // server is back as it was down: on a loaded machine that is seconds, not a fixed bound.
      const patienceMs = 2 * (Date.now() - serverDownSince) + 5000;
      for (const user of users) await smtp.waitFor(user.email, 'Reset your password', 1, patienceMs);

      // And a mail asked for after the cut goes out at once.
      const late = await t.registerUser();
      await within(
        5000,
        async () => (await t.call('POST', '/auth/password-reset/request', { body: { email: late.email } })).status === 202,
      );
      await smtp.waitFor(late.email, 'Reset your password', 1, 5000);
      for (const user of users) expect(smtp.to(user.email).filter((mail) => mail.subject?.includes('Reset your password'))).toHaveLength(1);
    });
  });

  describe('the webhook dispatcher', () => {
    let t: TestApp;
    let r: Receiver;
    let secret: string;

    beforeAll(async () => {
      t = await createWebhookTestApp();
      r = await startReceiver();
      const token = (await loggedInOperator(t)).token;
      ({ secret } = await subscribe(t, token, { url: r.url, events: ['user.created'] }));
    });
    afterAll(async () => {
      await t.close();
      await r.close();
    });

    /** How many verified deliveries each user's user.created event got. */
    const deliveriesPerUser = () => {
      const counts = new Map<string, number>();
      for (const request of r.received) {
        const id = (verified(secret, request) as { data: { user_id: string } }).data.user_id;
        counts.set(id, (counts.get(id) ?? 0) + 1);
      }
      return counts;
    };
    const deliveredUsers = () => new Set(deliveriesPerUser().keys());

    it('listens again after its LISTEN connection was cut, and delivers what is committed next', async () => {
      expect(await terminateConnections(admin, t.databaseUrl!)).toBeGreaterThan(0);
      let user: { id: string } | undefined;
      // The pool reconnects on the next query; the first request may meet a dead connection (503).
      expect(
        await within(5000, async () => {
          user = await t.registerUser().catch(() => undefined);
          return user !== undefined;
        }),
      ).toBe(true);
      expect(await within(5000, async () => deliveredUsers().has(user!.id))).toBe(true);
    });

    it('delivers every registration answered 201 while connections were cut mid-burst, and nothing that was not committed', async () => {
      const registered: string[] = [];
      const burst = Array.from({ length: 24 }, (_, i) =>
        (async () => {
          await new Promise((resolve) => setTimeout(resolve, i * 15));
          const user = await t.registerUser().catch(() => undefined);
          if (user) registered.push(user.id);
        })(),
      );
      await new Promise((resolve) => setTimeout(resolve, 120));
      await terminateConnections(admin, t.databaseUrl!);
      await new Promise((resolve) => setTimeout(resolve, 120));
      await terminateConnections(admin, t.databaseUrl!);
      await Promise.all(burst);
      expect(registered.length).toBeGreaterThan(0);

      // A claim whose answer was lost waits for its lease to end (timeout + 30 s) before it is sent.
      expect(await within(40_000, async () => registered.every((id) => deliveredUsers().has(id)))).toBe(true);
      // Each once: an outcome the cut kept from being recorded is recorded on a retry, not sent again.
      expect([...deliveriesPerUser().values()].every((n) => n === 1)).toBe(true);
      const committed = await queryRows<{ id: string }>(t.database.db, sql`SELECT id FROM users`);
      const ids = new Set(committed.map((row) => row.id));
      for (const id of deliveredUsers()) expect(ids.has(id)).toBe(true);
      const undelivered = async () =>
        (
          await queryRows<{ n: number }>(t.database.db, sql`SELECT count(*)::int AS n FROM webhook_deliveries WHERE status <> 'delivered'`)
        )[0]!.n;
      expect(await within(40_000, async () => (await undelivered()) === 0)).toBe(true);
    }, 60_000);
  });
});
