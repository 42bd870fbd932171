import { Type } from 'typebox';
import { page, readPage } from '../../http/pagination.js';
import { NextCursor, PageQuery } from '../../http/schemas.js';
import type { TypedApp } from '../../http/types.js';
import type { AppsRepository } from './apps-repository.js';
import { AppSchema, toApp } from './schemas.js';

export async function appRoutes(app: TypedApp, { apps }: { apps: AppsRepository }): Promise<void> {
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
      const { items, nextCursor } = page(await apps.list(limit + 1, afterId), limit, (row) => [row.id]);
      return { apps: items.map(toApp), next_cursor: nextCursor };
    },
  );
}
