import { Type } from 'typebox';
import { page, readPage } from '../../http/pagination.js';
import { AppId, PageQuery, ProblemSchema } from '../../http/schemas.js';
import type { TypedApp } from '../../http/types.js';
import type { ProfileSearch } from './search-service.js';
import { ProfileList, toProfile, UserId } from './schemas.js';

/** Operators searching an app's profiles by JSON containment. */
export async function profileSearchRoutes(app: TypedApp, { profileSearch }: { profileSearch: ProfileSearch }): Promise<void> {
  app.get(
    '/operator/profiles',
    {
      config: { auth: 'operator' },
      schema: {
        operationId: 'searchProfiles',
        tags: ['profiles', 'operator'],
        summary: "Search an app's profiles by JSON containment",
        description:
          'Profiles of app `app_id` whose profile_data contains the URL-encoded JSON `contains` (PostgreSQL `@>`: every key and value given must be present; arrays match if they hold the given elements), optionally of one user. Without `contains`, every profile of the app. In creation order.',
        querystring: Type.Object(
          {
            app_id: AppId,
            contains: Type.Optional(
              Type.String({
                maxLength: 8192,
                description: 'URL-encoded JSON, e.g. %7B%22plan%22%3A%22pro%22%7D for {"plan":"pro"}',
                examples: ['{"plan":"pro"}'],
              }),
            ),
            user_id: Type.Optional(UserId),
            ...PageQuery,
          },
          { additionalProperties: false },
        ),
        response: {
          200: ProfileList,
          400: {
            ...ProblemSchema,
            description: 'Invalid query (`validation_failed`), or contains that is not a JSON object (`invalid_contains`)',
          },
          404: { ...ProblemSchema, description: 'No app with this id (`app_not_found`)' },
        },
      },
    },
    async (request) => {
      const { app_id, contains, user_id } = request.query;
      const { limit, after: [afterSeq] = [0] } = readPage(request.query, ['number']);
      const rows = await profileSearch.search({ appId: app_id, contains, userId: user_id, afterSeq, limit: limit + 1 });
      const { items, nextCursor } = page(rows, limit, (row) => [row.seq]);
      return { profiles: items.map(toProfile), next_cursor: nextCursor };
    },
  );
}
