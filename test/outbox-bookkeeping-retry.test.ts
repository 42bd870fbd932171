import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../src/db/client.js';
import { MailWorker } from '../src/modules/mail/mail-worker.js';
import type { OutboxRepository } from '../src/modules/mail/outbox-repository.js';
import { DeliveriesRepository, type AttemptOutcome, type ClaimedDelivery } from '../src/modules/webhooks/deliveries-repository.js';
import { WebhookDispatcher } from '../src/modules/webhooks/dispatcher.js';
import type { TestApp } from './helpers/app.js';
import { within } from './helpers/eventually.js';
import { loggedInOperator } from './helpers/fixtures.js';
import { createWebhookTestApp, subscribe, testWebhookConfig } from './helpers/webhooks.js';

/*
 * Once a mail went out or a webhook was delivered, recording it is one more statement; if the
 * database drops that connection, the outbox would send it again when its lease ends. The
 * senders retry that statement through a short outage instead (src/db/retry.ts), and a repeated
 * record changes nothing. A real cut hits that statement only by chance, so these fail it on purpose.
 */
const connectionCut = () => Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });
const errors: unknown[] = [];

describe('a sender whose bookkeeping statement meets a dropped connection', () => {
  it('the webhook dispatcher records the delivery on a retry and does not send it again', async () => {
    const delivery: ClaimedDelivery = {
      id: 1,
      eventId: 'evt_1',
      payload: '{"type":"user.created"}',
      attempts: 0,
      giveUpAt: new Date(Date.now() + 86_400_000),
      url: 'http://127.0.0.1:9/hooks',
      secretSealed: 'sealed',
      webhookId: 'w1',
    };
    let claims = 0;
    const recorded: AttemptOutcome[] = [];
    let recordCalls = 0;
    const deliveries = {
      claim: async () => (claims++ === 0 ? [delivery] : []),
      record: async (_id: number, outcome: AttemptOutcome) => {
        recordCalls += 1;
        if (recordCalls === 1) throw connectionCut();
        recorded.push(outcome);
      },
      nextDue: async () => undefined,
      deleteFinishedBefore: async () => {},
    } as unknown as DeliveriesRepository;
    let sends = 0;
    const dispatcher = new WebhookDispatcher({
      database: { listen: async () => async () => {} },
      deliveries,
      secrets: { open: () => 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' },
      config: testWebhookConfig(),
      clock: () => new Date(),
      onError: (error) => errors.push(error),
      send: async () => {
        sends += 1;
        return { statusCode: 204, error: null, durationMs: 1 };
      },
    });
    await dispatcher.start();
    expect(await within(3000, async () => recorded.length === 1)).toBe(true);
    await dispatcher.stop();
    expect(sends).toBe(1);
    expect(recordCalls).toBe(2);
    expect(recorded[0]!.next).toBe('delivered');
    expect(errors).toEqual([]);
  });

  it('the mail worker removes the sent mail on a retry and does not send it again', async () => {
    let claims = 0;
    let deletes = 0;
    const retried: string[] = [];
    const repository = {
      claimDue: async () => (claims++ === 0 ? [{ id: 'm1', recipient: 'a@example.com', payload: 'sealed', attempts: 1 }] : []),
      delete: async () => {
        deletes += 1;
        if (deletes === 1) throw connectionCut();
      },
      retryAt: async (id: string) => void retried.push(id),
      giveUp: async (id: string) => void retried.push(id),
    } as unknown as OutboxRepository;
    const sent: string[] = [];
    const worker = new MailWorker({
      repository,
      outbox: { open: () => ({ subject: 'Hello', text: 'Hello', html: '<p>Hello</p>' }) },
      transport: { send: async (mail: { to: string }) => void sent.push(mail.to), close: () => {} } as never,
      clock: () => new Date(),
      config: { pollMs: 60_000, retryBaseMs: 100, maxAttempts: 5, sendTimeoutMs: 1000 },
      onError: (error) => errors.push(error),
    });
    worker.start();
    expect(await within(3000, async () => deletes === 2)).toBe(true);
    await worker.stop();
    expect(sent).toEqual(['a@example.com']);
    expect(retried).toEqual([]);
    expect(errors).toEqual([]);
  });
});

describe('recording a webhook attempt twice', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createWebhookTestApp({ pollMs: 60_000 });
  });
  afterAll(() => t.close());

  it('stores the attempt once: a retry after a lost answer changes nothing', async () => {
    await t.services.webhooks.dispatcher.stop();
    const token = (await loggedInOperator(t)).token;
    await subscribe(t, token, { url: 'http://127.0.0.1:9/hooks', events: ['user.created'] });
    await t.registerUser();
    const [delivery] = await queryRows<{ id: number }>(t.database.db, sql`SELECT id::int AS id FROM webhook_deliveries`);
    const outcome: AttemptOutcome = { at: new Date(), statusCode: 204, error: null, durationMs: 3, next: 'delivered' };
    const deliveries = new DeliveriesRepository(t.database.db);
    await deliveries.record(delivery!.id, outcome);
    await deliveries.record(delivery!.id, outcome);
    const [row] = await queryRows<{ attempts: number; status: string; logged: number }>(
      t.database.db,
      sql`SELECT attempts, status, (SELECT count(*)::int FROM webhook_attempts WHERE delivery_id = ${delivery!.id}) AS logged
          FROM webhook_deliveries WHERE id = ${delivery!.id}`,
    );
    expect(row).toEqual({ attempts: 1, status: 'delivered', logged: 1 });
  });
});
