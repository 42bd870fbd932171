import { Type, type Static } from 'typebox';
import type { WebhookRow } from '../../db/schema.js';
import { AppId, NextCursor, Nullable, PageQuery, ProblemSchema, Timestamp, Uuid } from '../../http/schemas.js';
import { WEBHOOK_EVENTS } from './events.js';
import type { DeliveryWithAttempts } from './webhooks-repository.js';

const EventName = Type.Union(
  [...WEBHOOK_EVENTS, '*'].map((name) => Type.Literal(name)),
  {
    description: 'An event name, or `*` for every event',
    examples: ['user.created'],
  },
);
const Events = Type.Array(EventName, { minItems: 1, maxItems: WEBHOOK_EVENTS.length + 1, examples: [['user.created', 'user.deleted']] });
const Url = Type.String({
  minLength: 1,
  maxLength: 2000,
  description: 'Where events are POSTed: https (http only with SENTINEL_WEBHOOKS_ALLOW_HTTP=true); no private addresses',
  examples: ['https://crm.example.com/hooks/sentinel'],
});
const AppFilter = Nullable({ ...AppId, description: "Only this app's profile events (other events are not filtered); null: every app" });

export const WebhookSchema = Type.Object(
  {
    webhook_id: Uuid('Webhook id (UUID)'),
    url: Type.String({ examples: ['https://crm.example.com/hooks/sentinel'] }),
    events: Type.Array(Type.String({ examples: ['user.created'] })),
    app_id: Nullable(AppId),
    enabled: Type.Boolean(),
    created_at: Timestamp(),
    updated_at: Timestamp(),
  },
  { title: 'Webhook' },
);

export function toWebhook(row: WebhookRow): Static<typeof WebhookSchema> {
  return {
    webhook_id: row.id,
    url: row.url,
    events: row.events,
    app_id: row.appId,
    enabled: row.enabled,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

export const CreateWebhookBody = Type.Object(
  { url: Url, events: Events, app_id: Type.Optional(AppFilter) },
  { additionalProperties: false, examples: [{ url: 'https://crm.example.com/hooks/sentinel', events: ['user.created', 'user.deleted'] }] },
);

export const UpdateWebhookBody = Type.Object(
  { url: Type.Optional(Url), events: Type.Optional(Events), app_id: Type.Optional(AppFilter), enabled: Type.Optional(Type.Boolean()) },
  { additionalProperties: false, minProperties: 1, examples: [{ enabled: false }] },
);

export const WebhookSecret = Type.String({
  description: 'The signing secret (Standard Webhooks `whsec_...`): shown in this answer only',
  examples: ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'],
});

export const WebhookParams = Type.Object({ id: Uuid('Webhook id (UUID)') }, { additionalProperties: false });
export const DeliveryParams = Type.Object(
  { id: Uuid('Webhook id (UUID)'), delivery_id: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, examples: [1] }) },
  { additionalProperties: false },
);
export const DeliveriesQuery = Type.Object(PageQuery, { additionalProperties: false });

const AttemptSchema = Type.Object(
  {
    attempted_at: Timestamp(),
    duration_ms: Type.Integer({ examples: [42] }),
    status_code: Nullable(Type.Integer({ description: 'The HTTP status answered; null when none came', examples: [500] })),
    error: Nullable(
      Type.String({
        description: 'Why no answer came (timeout, refused address...)',
        examples: ['ECONNREFUSED: connect ECONNREFUSED 203.0.113.7:443'],
      }),
    ),
  },
  { title: 'WebhookAttempt' },
);

export const DeliverySchema = Type.Object(
  {
    delivery_id: Type.Integer({ examples: [1] }),
    event_id: Uuid('The event id, sent as webhook-id (the same on every attempt)'),
    event_type: Type.String({ examples: ['user.created'] }),
    status: Type.Union([Type.Literal('pending'), Type.Literal('delivered'), Type.Literal('failed')], {
      description: 'pending (not yet, or retrying), delivered (a 2xx came), failed (retries ran out)',
    }),
    attempts: Type.Array(AttemptSchema),
    next_attempt_at: Nullable(Timestamp()),
    created_at: Timestamp(),
    delivered_at: Nullable(Timestamp()),
  },
  { title: 'WebhookDelivery' },
);

export function toDelivery(row: DeliveryWithAttempts): Static<typeof DeliverySchema> {
  return {
    delivery_id: row.id,
    event_id: row.eventId,
    event_type: row.eventType,
    status: row.status as 'pending' | 'delivered' | 'failed',
    attempts: row.attemptList.map((attempt) => ({
      attempted_at: attempt.attemptedAt.toISOString(),
      duration_ms: attempt.durationMs,
      status_code: attempt.statusCode,
      error: attempt.error,
    })),
    next_attempt_at: row.status === 'pending' ? row.nextAttemptAt.toISOString() : null,
    created_at: row.createdAt.toISOString(),
    delivered_at: row.deliveredAt?.toISOString() ?? null,
  };
}

export const DeliveriesPage = Type.Object({ deliveries: Type.Array(DeliverySchema), next_cursor: NextCursor });

export const WebhookNotFound = { ...ProblemSchema, description: 'No webhook has this id (`webhook_not_found`)' };
export const UrlRefused = {
  ...ProblemSchema,
  description:
    'The URL is refused (`invalid_webhook_url`: not https, or its host resolves to a private address) or the app does not exist (`unknown_app`)',
};
