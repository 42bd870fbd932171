import { Type } from 'typebox';
import { page, readPage } from '../../http/pagination.js';
import { NextCursor, PageQuery } from '../../http/schemas.js';
import type { TypedApp } from '../../http/types.js';
import type { AppServices } from './compose.js';
import { appKeyRoutes } from './key-routes.js';
import { appOperatorRoutes } from './operator-routes.js';
import { AppSchema, toApp } from './schemas.js';

/** Every route of the apps feature: the public GET /app/all, and /operator/app/* for apps and their keys. */
export async function appRoutes(app: TypedApp, { apps }: { apps: AppServices }): Promise<void> {
  await app.register(publicAppRoutes, { apps });
  await app.register(appOperatorRoutes, { appService: apps.appService });
  await app.register(appKeyRoutes, { appService: apps.appService });
}

async function publicAppRoutes(app: TypedApp, { apps }: { apps: AppServices }): Promise<void> {
  app.get(
    '/app/all',
    {
      config: { auth: 'none' },
      schema: {
        operationId: 'listApps',
        tags: ['apps'],
        summary: 'List registered apps (public)',
        description: 'Needs no credentials, as in the original: names, descriptions and domains only, never keys. Oldest first.',
        querystring: Type.Object(PageQuery, { additionalProperties: false }),
        response: { 200: Type.Object({ apps: Type.Array(AppSchema), next_cursor: NextCursor }) },
      },
    },
    async (request) => {
      const { limit, after: [afterId] = [0] } = readPage(request.query, ['number']);
      const { items, nextCursor } = page(await apps.repository.list(limit + 1, afterId), limit, (row) => [row.id]);
      return { apps: items.map(toApp), next_cursor: nextCursor };
    },
  );
}
