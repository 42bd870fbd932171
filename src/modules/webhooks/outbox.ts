import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { Clock } from '../../clock.js';
import type { Executor } from '../../db/client.js';
import type { EventSink, WebhookEvent, WebhookEventType } from './events.js';
import type { WebhookSubscriptions } from './subscriptions.js';

/** Where the outbox announces new deliveries; every server's dispatcher listens. */
export const WEBHOOK_CHANNEL = 'sentinel_webhooks';

/**
 * The transactional outbox. `emit` writes one delivery per enabled webhook that subscribes to
 * the event, in the caller's transaction, and a notification PostgreSQL sends only when that
 * transaction commits: a rolled-back change leaves neither. With no subscriber it writes nothing,
 * and when this process's snapshot of the subscriptions says none could take the event, it does
 * not even ask the database (WebhookSubscriptions explains why nothing subscribed is lost).
 */
export class WebhookOutbox implements EventSink {
  constructor(private readonly deps: { clock: Clock; retryForSeconds: number; subscriptions: Pick<WebhookSubscriptions, 'mayReceive'> }) {}

  mayReceive(type: WebhookEventType, appId?: number | null): boolean {
    return this.deps.subscriptions.mayReceive(type, appId);
  }

  async emit(tx: Executor, event: WebhookEvent): Promise<void> {
    if (!this.mayReceive(event.type, event.appId)) return;
    const now = this.deps.clock();
    const payload = JSON.stringify({ type: event.type, timestamp: now.toISOString(), data: event.data });
    const giveUpAt = new Date(now.getTime() + this.deps.retryForSeconds * 1000);
    const appId = event.appId ?? null;
    await tx.execute(sql`
      WITH added AS (
        INSERT INTO webhook_deliveries (webhook_id, event_id, event_type, payload, next_attempt_at, give_up_at)
        SELECT w.id, ${randomUUID()}::uuid, ${event.type}, ${payload}, ${now.toISOString()}::timestamptz, ${giveUpAt.toISOString()}::timestamptz
        FROM webhooks w
        WHERE w.enabled
          AND (${event.type} = ANY (w.events) OR '*' = ANY (w.events))
          AND (w.app_id IS NULL OR ${appId}::integer IS NULL OR w.app_id = ${appId}::integer)
        RETURNING 1
      )
      SELECT pg_notify(${WEBHOOK_CHANNEL}, '') FROM (SELECT count(*) AS n FROM added) c WHERE c.n > 0`);
  }
}
