import type { Executor } from '../../db/client.js';

/** Every event a webhook can subscribe to (contract 4.3), plus `users.imported` for an import. */
export const WEBHOOK_EVENTS = [
  'user.created',
  'user.updated',
  'user.deleted',
  'user.restored',
  'user.purged',
  'users.imported',
  'session.created',
  'session.revoked',
  'password.changed',
  'otp.enabled',
  'otp.disabled',
  'profile.created',
  'profile.updated',
  'profile.deleted',
  'profiles.bulk_created',
  'app.created',
  'app.updated',
  'app.deleted',
] as const;

export type WebhookEventType = (typeof WEBHOOK_EVENTS)[number];

export interface WebhookEvent {
  type: WebhookEventType;
  /** The `data` member of the body: ids and public objects only, never a secret or hash. */
  data: Record<string, unknown>;
  /** Set by the profile events: a webhook with an `app_id` hears only its app's. */
  appId?: number | null;
}

/**
 * What a service needs to report a change: `emit` inside the transaction that makes it, so the
 * event is stored if and only if the change commits (the outbox, src/modules/webhooks/outbox.ts).
 */
export interface EventSink {
  emit(tx: Executor, event: WebhookEvent): Promise<void>;
  /**
   * False when no enabled webhook could receive this event right now, so a caller may skip a
   * transaction it opens only for the event; true when one could, or when in doubt.
   */
  mayReceive(type: WebhookEventType, appId?: number | null): boolean;
}

/** For services built without webhooks (unit tests, one-off tools): events go nowhere. */
export const NO_EVENTS: EventSink = { emit: async () => {}, mayReceive: () => false };
