import { randomUUID } from 'node:crypto';
import type { Clock } from '../../clock.js';
import type { SecretBox } from '../../crypto/secret-box.js';
import type { Db } from '../../db/client.js';
import type { WebhookRow } from '../../db/schema.js';
import type { OperatorAction } from '../../http/request-context.js';
import { page, type PageRequest } from '../../http/pagination.js';
import type { AuditLog } from '../audit/audit-log.js';
import { WebhookErrors } from './errors.js';
import { newWebhookSecret, secretContextOf } from './signature.js';
import { checkWebhookUrl, RefusedUrlError, type UrlPolicy } from './url-safety.js';
import type { DeliveryWithAttempts, WebhookChanges, WebhooksRepository } from './webhooks-repository.js';

export interface WebhookServiceDeps {
  db: Db;
  repository: WebhooksRepository;
  secrets: Pick<SecretBox, 'seal'>;
  audit: AuditLog;
  clock: Clock;
  policy: UrlPolicy;
  retryForSeconds: number;
  appExists: (appId: number) => Promise<boolean>;
  /** Tells the dispatchers a delivery is due now (a manual retry). */
  wake: () => void;
  /** Reloads this process's snapshot of the subscriptions (WebhookSubscriptions); others hear the trigger's notification. */
  subscriptionsChanged: () => Promise<void>;
}

export interface WebhookInput {
  url: string;
  events: string[];
  app_id?: number | null | undefined;
}

export interface WebhookUpdate {
  url?: string | undefined;
  events?: string[] | undefined;
  app_id?: number | null | undefined;
  enabled?: boolean | undefined;
}

/** Operators' subscriptions: every change is audited in its transaction. */
export class WebhookService {
  constructor(private readonly deps: WebhookServiceDeps) {}

  /** Answers the webhook and its secret, which is shown this once and kept only sealed. */
  async create(input: WebhookInput, { actorUserId, context }: OperatorAction): Promise<{ webhook: WebhookRow; secret: string }> {
    await this.checkUrl(input.url);
    await this.checkApp(input.app_id);
    const id = randomUUID();
    const secret = newWebhookSecret();
    const webhook = await this.deps.db.transaction(async (tx) => {
      const row = await this.deps.repository.insert(
        {
          id,
          url: input.url,
          events: unique(input.events),
          appId: input.app_id ?? null,
          secretSealed: this.deps.secrets.seal(secret, secretContextOf(id)),
        },
        tx,
      );
      await this.deps.audit.record({ action: 'webhook.created', actorUserId, detail: detailOf(row) }, context, tx);
      return row;
    });
    // Answered only once this process emits the new webhook's events (see WebhookSubscriptions).
    await this.deps.subscriptionsChanged();
    return { webhook, secret };
  }

  list(): Promise<WebhookRow[]> {
    return this.deps.repository.list();
  }

  async get(id: string): Promise<WebhookRow> {
    const row = await this.deps.repository.findById(id);
    if (!row) throw WebhookErrors.webhookNotFound('No webhook has this id');
    return row;
  }

  async update(id: string, update: WebhookUpdate, { actorUserId, context }: OperatorAction): Promise<WebhookRow> {
    if (update.url !== undefined) await this.checkUrl(update.url);
    await this.checkApp(update.app_id);
    const changes: WebhookChanges = {
      ...(update.url !== undefined ? { url: update.url } : {}),
      ...(update.events !== undefined ? { events: unique(update.events) } : {}),
      ...(update.app_id !== undefined ? { appId: update.app_id } : {}),
      ...(update.enabled !== undefined ? { enabled: update.enabled } : {}),
    };
    const row = await this.deps.db.transaction(async (tx) => {
      const updated = await this.deps.repository.update(id, changes, tx);
      if (!updated) throw WebhookErrors.webhookNotFound('No webhook has this id');
      await this.deps.audit.record(
        { action: 'webhook.updated', actorUserId, detail: { ...detailOf(updated), fields: Object.keys(update) } },
        context,
        tx,
      );
      return updated;
    });
    await this.deps.subscriptionsChanged();
    // Deliveries held while it was disabled are due again.
    if (update.enabled) this.deps.wake();
    return row;
  }

  /** Deletes the webhook with its pending deliveries and their history. */
  async remove(id: string, { actorUserId, context }: OperatorAction): Promise<void> {
    await this.deps.db.transaction(async (tx) => {
      const row = await this.deps.repository.findById(id, tx);
      if (!row || !(await this.deps.repository.remove(id, tx))) throw WebhookErrors.webhookNotFound('No webhook has this id');
      await this.deps.audit.record({ action: 'webhook.deleted', actorUserId, detail: detailOf(row) }, context, tx);
    });
    await this.deps.subscriptionsChanged();
  }

  async deliveries(id: string, { limit, after }: PageRequest<[number]>) {
    await this.get(id);
    const rows = await this.deps.repository.deliveries(id, limit + 1, after?.[0]);
    return page(rows, limit, (row) => [row.id]);
  }

  /** Sends a delivery again from now, whatever its state, with a new retry window. */
  async retry(id: string, deliveryId: number, { actorUserId, context }: OperatorAction): Promise<DeliveryWithAttempts> {
    await this.get(id);
    const now = this.deps.clock();
    const giveUpAt = new Date(now.getTime() + this.deps.retryForSeconds * 1000);
    const delivery = await this.deps.db.transaction(async (tx) => {
      const row = await this.deps.repository.retry(id, deliveryId, now, giveUpAt, tx);
      if (!row) throw WebhookErrors.deliveryNotFound('This webhook has no delivery with this id');
      await this.deps.audit.record(
        { action: 'webhook.delivery_retried', actorUserId, detail: { webhook_id: id, delivery_id: deliveryId } },
        context,
        tx,
      );
      return row;
    });
    this.deps.wake();
    return delivery;
  }

  private async checkUrl(url: string): Promise<void> {
    try {
      await checkWebhookUrl(url, this.deps.policy);
    } catch (error) {
      if (error instanceof RefusedUrlError) {
        throw WebhookErrors.invalidWebhookUrl(error.message, [{ path: '/url', message: error.message }]);
      }
      throw error;
    }
  }

  private async checkApp(appId: number | null | undefined): Promise<void> {
    if (appId === undefined || appId === null) return;
    if (!(await this.deps.appExists(appId))) {
      throw WebhookErrors.unknownApp(`No app has the id ${appId}`, [{ path: '/app_id', message: 'is not an app' }]);
    }
  }
}

function unique(events: string[]): string[] {
  return [...new Set(events)];
}

/** What the audit log keeps of a webhook: never its secret. */
function detailOf(row: WebhookRow): Record<string, unknown> {
  return { webhook_id: row.id, url: withoutQuery(row.url), events: row.events, app_id: row.appId, enabled: row.enabled };
}

/** A URL's query may hold a receiver's token: the audit log keeps the rest. */
function withoutQuery(raw: string): string {
  const url = new URL(raw);
  return url.origin + url.pathname;
}
