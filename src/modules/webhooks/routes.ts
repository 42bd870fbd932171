import { Type } from 'typebox';
import { readPage } from '../../http/pagination.js';
import { operatorActionOf } from '../../http/request-context.js';
import { ProblemSchema, withHeaders } from '../../http/schemas.js';
import type { TypedApp } from '../../http/types.js';
import {
  CreateWebhookBody,
  DeliveriesPage,
  DeliveriesQuery,
  DeliveryParams,
  DeliverySchema,
  toDelivery,
  toWebhook,
  UpdateWebhookBody,
  UrlRefused,
  WebhookNotFound,
  WebhookParams,
  WebhookSchema,
  WebhookSecret,
} from './schemas.js';
import type { WebhookService } from './webhook-service.js';

const TAGS = ['webhooks', 'operator'];

/** Operator routes of contract 4.3: subscriptions and their deliveries. */
export async function webhookRoutes(app: TypedApp, { webhooks }: { webhooks: WebhookService }): Promise<void> {
  app.post(
    '/operator/webhooks',
    {
      config: { auth: 'operator' },
      schema: {
        operationId: 'createWebhook',
        tags: TAGS,
        summary: 'Subscribe a URL to events',
        description:
          'Every listed event from now on is POSTed to the URL as `{"type", "timestamp", "data"}`, signed per Standard Webhooks with the secret in this answer (shown this once; Sentinel keeps it encrypted). See docs/webhooks.md.',
        body: CreateWebhookBody,
        response: {
          201: withHeaders(Type.Object({ webhook: WebhookSchema, secret: WebhookSecret }), 'Location'),
          422: UrlRefused,
        },
      },
    },
    async (request, reply) => {
      const { webhook, secret } = await webhooks.create(request.body, operatorActionOf(request));
      reply.header('Location', `/operator/webhooks/${webhook.id}`);
      return reply.code(201).send({ webhook: toWebhook(webhook), secret });
    },
  );

  app.get(
    '/operator/webhooks',
    {
      config: { auth: 'operator' },
      schema: {
        operationId: 'listWebhooks',
        tags: TAGS,
        summary: 'List the webhooks',
        description: 'Oldest first; secrets are never shown again.',
        response: { 200: Type.Object({ webhooks: Type.Array(WebhookSchema) }) },
      },
    },
    async () => ({ webhooks: (await webhooks.list()).map(toWebhook) }),
  );

  app.get(
    '/operator/webhooks/:id',
    {
      config: { auth: 'operator' },
      schema: {
        operationId: 'getWebhook',
        tags: TAGS,
        summary: 'Get a webhook',
        description: 'Its URL, events, app filter and state; never its secret.',
        params: WebhookParams,
        response: { 200: Type.Object({ webhook: WebhookSchema }), 404: WebhookNotFound },
      },
    },
    async (request) => ({ webhook: toWebhook(await webhooks.get(request.params.id)) }),
  );

  app.patch(
    '/operator/webhooks/:id',
    {
      config: { auth: 'operator' },
      schema: {
        operationId: 'updateWebhook',
        tags: TAGS,
        summary: 'Change a webhook, or disable and enable it',
        description:
          'Send at least one field. While disabled, new events are not queued for it and queued ones wait; enabling it sends them.',
        params: WebhookParams,
        body: UpdateWebhookBody,
        response: { 200: Type.Object({ webhook: WebhookSchema }), 404: WebhookNotFound, 422: UrlRefused },
      },
    },
    async (request) => ({ webhook: toWebhook(await webhooks.update(request.params.id, request.body, operatorActionOf(request))) }),
  );

  app.delete(
    '/operator/webhooks/:id',
    {
      config: { auth: 'operator' },
      schema: {
        operationId: 'deleteWebhook',
        tags: TAGS,
        summary: 'Delete a webhook with its queued deliveries and their history',
        description: 'Deliveries not yet sent are dropped; an attempt under way may still arrive.',
        params: WebhookParams,
        response: { 204: Type.Null({ description: 'Deleted' }), 404: WebhookNotFound },
      },
    },
    async (request, reply) => {
      await webhooks.remove(request.params.id, operatorActionOf(request));
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/operator/webhooks/:id/deliveries',
    {
      config: { auth: 'operator' },
      schema: {
        operationId: 'listWebhookDeliveries',
        tags: TAGS,
        summary: "A webhook's deliveries, newest first, with every attempt",
        description: 'Each delivery lists its attempts: when, how long, the status code answered or the error.',
        params: WebhookParams,
        querystring: DeliveriesQuery,
        response: { 200: DeliveriesPage, 404: WebhookNotFound },
      },
    },
    async (request) => {
      const { items, nextCursor } = await webhooks.deliveries(request.params.id, readPage(request.query, ['number']));
      return { deliveries: items.map(toDelivery), next_cursor: nextCursor };
    },
  );

  app.post(
    '/operator/webhooks/:id/deliveries/:delivery_id/retry',
    {
      config: { auth: 'operator' },
      schema: {
        operationId: 'retryWebhookDelivery',
        tags: TAGS,
        summary: 'Send a delivery again now',
        description: 'Whatever its state (a failed one, typically); it is retried with backoff for 24 hours more if it fails again.',
        params: DeliveryParams,
        response: {
          202: Type.Object({ delivery: DeliverySchema }),
          404: { ...ProblemSchema, description: 'No such webhook (`webhook_not_found`) or delivery (`delivery_not_found`)' },
        },
      },
    },
    async (request, reply) => {
      const { id, delivery_id: deliveryId } = request.params;
      const delivery = await webhooks.retry(id, deliveryId, operatorActionOf(request));
      return reply.code(202).send({ delivery: toDelivery(delivery) });
    },
  );
}
