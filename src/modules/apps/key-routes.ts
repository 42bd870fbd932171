import { Type } from 'typebox';
import { page, readPage } from '../../http/pagination.js';
import { NextCursor, PageQuery, ProblemSchema, Uuid } from '../../http/schemas.js';
import type { TypedApp } from '../../http/types.js';
import type { AppService } from './app-service.js';
import { operatorActionOf } from '../../http/request-context.js';
import { ApiKeySchema, ApiKeySecret, AppParams, NewKeyBody, toApiKey, AppNotFound } from './schemas.js';

/** An app's API keys: issued (shown once), listed without secrets, revoked. */
export async function appKeyRoutes(app: TypedApp, { appService }: { appService: AppService }): Promise<void> {
  app.post(
    '/operator/app/:appid/keys',
    {
      config: { auth: 'operator' },
      schema: {
        operationId: 'createAppKey',
        tags: ['apps', 'operator'],
        summary: 'Issue another API key for an app',
        description: 'The key is in this answer only. Issue a new key before revoking an old one to rotate without downtime.',
        params: AppParams,
        body: NewKeyBody,
        response: { 201: Type.Object({ key: ApiKeySchema, api_key: ApiKeySecret }), 404: AppNotFound },
      },
    },
    async (request, reply) => {
      const { key, apiKey } = await appService.createKey(request.params.appid, request.body.name ?? '', operatorActionOf(request));
      return reply.code(201).send({ key: toApiKey(key), api_key: apiKey });
    },
  );

  app.get(
    '/operator/app/:appid/keys',
    {
      config: { auth: 'operator' },
      schema: {
        operationId: 'listAppKeys',
        tags: ['apps', 'operator'],
        summary: "List an app's API keys (never the keys themselves)",
        description: 'Oldest first, revoked keys included (with revoked_at).',
        params: AppParams,
        querystring: Type.Object(PageQuery, { additionalProperties: false }),
        response: { 200: Type.Object({ keys: Type.Array(ApiKeySchema), next_cursor: NextCursor }), 404: AppNotFound },
      },
    },
    async (request) => {
      const { limit, after: [afterId] = [] } = readPage(request.query, ['string']);
      const rows = await appService.listKeys(request.params.appid, limit + 1, afterId);
      const { items, nextCursor } = page(rows, limit, (row) => [row.id]);
      return { keys: items.map(toApiKey), next_cursor: nextCursor };
    },
  );

  app.delete(
    '/operator/app/:appid/keys/:keyid',
    {
      config: { auth: 'operator' },
      schema: {
        operationId: 'revokeAppKey',
        tags: ['apps', 'operator'],
        summary: 'Revoke an API key',
        description:
          'The key stops working at once, in every Sentinel process. It stays listed, with revoked_at. Revoking a revoked key is a no-op.',
        params: Type.Object(
          { appid: AppParams.properties.appid, keyid: Uuid('key_id from the listing', '5b3f0d62-8f4e-4c1b-9a57-0d2b8e9a1c44') },
          { additionalProperties: false },
        ),
        response: {
          204: Type.Null({ description: 'Revoked' }),
          404: { ...ProblemSchema, description: 'No such app (`app_not_found`), or no such key in it (`api_key_not_found`)' },
        },
      },
    },
    async (request, reply) => {
      await appService.revokeKey(request.params.appid, request.params.keyid, operatorActionOf(request));
      return reply.code(204).send(null);
    },
  );
}
