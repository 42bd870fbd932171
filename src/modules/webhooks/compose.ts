import type { Clock } from '../../clock.js';
import type { WebhookConfig } from '../../config.js';
import { SecretBox } from '../../crypto/secret-box.js';
import type { Database } from '../../db/client.js';
import type { AuditLog } from '../audit/audit-log.js';
import { DeliveriesRepository } from './deliveries-repository.js';
import { WebhookDispatcher } from './dispatcher.js';
import { WebhookOutbox } from './outbox.js';
import { WebhookSubscriptions } from './subscriptions.js';
import { WebhookService } from './webhook-service.js';
import { WebhooksRepository } from './webhooks-repository.js';

export interface WebhookServicesDeps {
  database: Database;
  audit: AuditLog;
  clock: Clock;
  config: WebhookConfig;
  /** The instance's master secret (or key ring): webhook secrets are sealed under a key derived from it. */
  encryptionKey: ConstructorParameters<typeof SecretBox>[0];
  appExists: (appId: number) => Promise<boolean>;
  onBackgroundError: (error: unknown) => void;
}

/** The HKDF purpose of the key that seals webhook secrets. */
export const WEBHOOK_SECRET_PURPOSE = 'webhook-secret';

/** The outbox services emit into, the operator service, and this server's dispatcher. */
export function createWebhookServices(deps: WebhookServicesDeps) {
  const { database, clock, config } = deps;
  const secrets = new SecretBox(deps.encryptionKey, WEBHOOK_SECRET_PURPOSE);
  const deliveries = new DeliveriesRepository(database.db);
  const repository = new WebhooksRepository(database.db);
  const subscriptions = new WebhookSubscriptions({ database, load: () => repository.enabledFilters(), onError: deps.onBackgroundError });
  const outbox = new WebhookOutbox({ clock, retryForSeconds: config.retryForSeconds, subscriptions });
  const dispatcher = new WebhookDispatcher({ database, deliveries, secrets, config, clock, onError: deps.onBackgroundError });
  const service = new WebhookService({
    db: database.db,
    repository,
    secrets,
    audit: deps.audit,
    clock,
    policy: config,
    retryForSeconds: config.retryForSeconds,
    appExists: deps.appExists,
    wake: () => dispatcher.wake(),
    subscriptionsChanged: () => subscriptions.changed(),
  });
  return { outbox, service, dispatcher, subscriptions, backlog: () => deliveries.backlog() };
}

export type WebhookServices = ReturnType<typeof createWebhookServices>;
