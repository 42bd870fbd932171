import { and, desc, eq, inArray, lt, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import {
  webhookAttempts,
  webhookDeliveries,
  webhooks,
  type WebhookAttemptRow,
  type WebhookDeliveryRow,
  type WebhookRow,
} from '../../db/schema.js';

export type WebhookChanges = Partial<Pick<WebhookRow, 'url' | 'events' | 'appId' | 'enabled'>>;

export type DeliveryWithAttempts = WebhookDeliveryRow & { attemptList: WebhookAttemptRow[] };

/** The subscriptions and their delivery history. */
export class WebhooksRepository {
  constructor(private readonly db: Executor) {}

  async insert(
    row: Pick<WebhookRow, 'id' | 'url' | 'events' | 'appId' | 'secretSealed'>,
    executor: Executor = this.db,
  ): Promise<WebhookRow> {
    const [created] = await executor.insert(webhooks).values(row).returning();
    return created!;
  }

  async findById(id: string, executor: Executor = this.db): Promise<WebhookRow | undefined> {
    const [row] = await executor.select().from(webhooks).where(eq(webhooks.id, id));
    return row;
  }

  /** The filters of the enabled webhooks, for each process's snapshot (WebhookSubscriptions). */
  async enabledFilters(): Promise<Array<Pick<WebhookRow, 'events' | 'appId'>>> {
    return this.db.select({ events: webhooks.events, appId: webhooks.appId }).from(webhooks).where(eq(webhooks.enabled, true));
  }

  async list(): Promise<WebhookRow[]> {
    return this.db.select().from(webhooks).orderBy(webhooks.createdAt, webhooks.id);
  }

  async update(id: string, changes: WebhookChanges, executor: Executor): Promise<WebhookRow | undefined> {
    const [row] = await executor
      .update(webhooks)
      .set({ ...changes, updatedAt: sql`now()` })
      .where(eq(webhooks.id, id))
      .returning();
    return row;
  }

  async remove(id: string, executor: Executor): Promise<boolean> {
    const deleted = await executor.delete(webhooks).where(eq(webhooks.id, id)).returning({ id: webhooks.id });
    return deleted.length > 0;
  }

  /** A webhook's deliveries, newest first, after the delivery id `before`, each with its attempts in order. */
  async deliveries(webhookId: string, limit: number, before: number | undefined): Promise<DeliveryWithAttempts[]> {
    const rows = await this.db
      .select()
      .from(webhookDeliveries)
      .where(and(eq(webhookDeliveries.webhookId, webhookId), before === undefined ? undefined : lt(webhookDeliveries.id, before)))
      .orderBy(desc(webhookDeliveries.id))
      .limit(limit);
    if (rows.length === 0) return [];
    const attempts = await this.db
      .select()
      .from(webhookAttempts)
      .where(
        inArray(
          webhookAttempts.deliveryId,
          rows.map((row) => row.id),
        ),
      )
      .orderBy(webhookAttempts.id);
    return rows.map((row) => ({ ...row, attemptList: attempts.filter((attempt) => attempt.deliveryId === row.id) }));
  }

  /** Makes a delivery due now, with a new retry window; undefined when the webhook has no such delivery. */
  async retry(
    webhookId: string,
    deliveryId: number,
    now: Date,
    giveUpAt: Date,
    executor: Executor,
  ): Promise<DeliveryWithAttempts | undefined> {
    const [row] = await executor
      .update(webhookDeliveries)
      .set({ status: 'pending', nextAttemptAt: now, giveUpAt })
      .where(and(eq(webhookDeliveries.id, deliveryId), eq(webhookDeliveries.webhookId, webhookId)))
      .returning();
    if (!row) return undefined;
    const attempts = await executor
      .select()
      .from(webhookAttempts)
      .where(eq(webhookAttempts.deliveryId, row.id))
      .orderBy(webhookAttempts.id);
    return { ...row, attemptList: attempts };
  }
}
