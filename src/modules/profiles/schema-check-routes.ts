import { Type } from 'typebox';
import { encodeCursor, readPage } from '../../http/pagination.js';
import { NextCursor, PageQuery, ProblemSchema } from '../../http/schemas.js';
import type { TypedApp } from '../../http/types.js';
import { AppNotFound, AppParams, InvalidProfileSchema, SetSchemaBody } from '../apps/schemas.js';
import { MAX_FAILURES_SHOWN, type ProfileSchemaCheck } from './schema-check.js';
import { UserId } from './schemas.js';

const MAX_CHECKED_PER_PAGE = 1000;

const SchemaCheckQuery = Type.Object(
  {
    limit: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: MAX_CHECKED_PER_PAGE,
        default: MAX_CHECKED_PER_PAGE,
        description: `Profiles to check in this call (default and maximum ${MAX_CHECKED_PER_PAGE})`,
      }),
    ),
    cursor: PageQuery.cursor,
  },
  { additionalProperties: false },
);

const SchemaCheckResult = Type.Object(
  {
    app_id: Type.Integer(),
    checked: Type.Integer({ minimum: 0, description: 'Profiles checked in this call' }),
    failing: Type.Integer({ minimum: 0, description: 'How many of them the schema would refuse' }),
    failures: Type.Array(
      Type.Object({
        profile_id: Type.String({ format: 'uuid' }),
        user_id: UserId,
        errors: Type.Array(
          Type.Object({ path: Type.String({ description: 'JSON pointer into the profile, under /profile_data' }), message: Type.String() }),
        ),
      }),
      { description: `The first ${MAX_FAILURES_SHOWN} failing profiles of this call, each with what the schema refuses in it` },
    ),
    next_cursor: NextCursor,
  },
  { title: 'SchemaCheck' },
);

/** Operators checking an app's existing profiles against a schema before setting it. */
export async function schemaCheckRoutes(app: TypedApp, { schemaCheck }: { schemaCheck: ProfileSchemaCheck }): Promise<void> {
  app.post(
    '/operator/app/:appid/schema/check',
    {
      config: { auth: 'operator' },
      schema: {
        operationId: 'checkProfileSchema',
        tags: ['apps', 'profiles', 'operator'],
        summary: "Check an app's existing profiles against a schema, without setting it",
        description:
          "Setting a schema (PUT /operator/app/{appid}/schema) never re-checks the profiles already stored: one that does not satisfy the new schema stays as it is and its next write is refused. This checks them first and changes nothing: each call checks up to `limit` profiles in creation order (deleted users' included) and answers how many the schema would refuse, the first 20 with their errors, and a `next_cursor` while profiles remain. Call again with it until it is null to cover the whole app. The schema is refused as PUT refuses it (422). A profile written between the check and the PUT is not covered.",
        params: AppParams,
        querystring: SchemaCheckQuery,
        body: SetSchemaBody,
        response: {
          200: SchemaCheckResult,
          400: { ...ProblemSchema, description: 'Invalid query or cursor (`validation_failed`)' },
          404: AppNotFound,
          422: InvalidProfileSchema,
        },
      },
    },
    async (request) => {
      const appId = request.params.appid;
      const { after: [afterSeq] = [0] } = readPage(request.query, ['number']);
      const result = await schemaCheck.check(appId, request.body.schema, afterSeq, request.query.limit ?? MAX_CHECKED_PER_PAGE);
      return {
        app_id: appId,
        checked: result.checked,
        failing: result.failing,
        failures: result.failures.map((failure) => ({ profile_id: failure.profileId, user_id: failure.userId, errors: failure.errors })),
        next_cursor: result.nextSeq === undefined ? null : encodeCursor([result.nextSeq]),
      };
    },
  );
}
