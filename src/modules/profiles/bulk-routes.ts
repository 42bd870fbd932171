import type { ErrorObject } from 'ajv';
import { Type } from 'typebox';
import type { Config } from '../../config.js';
import { principalOf } from '../../http/auth.js';
import { HttpErrors, summarizeFieldErrors } from '../../http/errors.js';
import { contextOf } from '../../http/request-context.js';
import { AppId, ProblemSchema } from '../../http/schemas.js';
import type { TypedApp } from '../../http/types.js';
import { ajvFieldErrors } from '../../http/validation.js';
import type { BulkProfileService } from './bulk-service.js';
import { ProfileData, ProfileId, UserId } from './schemas.js';

export interface BulkRoutesDeps {
  bulkProfiles: BulkProfileService;
  config: Pick<Config, 'bulkBodyLimitBytes'>;
}

const BulkBody = Type.Object(
  {
    profiles: Type.Array(Type.Object({ app_id: AppId, user_id: UserId, profile_data: ProfileData }, { additionalProperties: false }), {
      minItems: 1,
      description: 'Any number of profiles, for any users and apps, up to the bulk body limit (64 MiB by default)',
    }),
  },
  {
    additionalProperties: false,
    examples: [
      {
        profiles: [
          { app_id: 1, user_id: '72c9c71b-98dc-4606-826f-bb2784d68446', profile_data: { theme: 'dark' } },
          { app_id: 2, user_id: '72c9c71b-98dc-4606-826f-bb2784d68446', profile_data: { level: 3 } },
        ],
      },
    ],
  },
);

const BulkResult = Type.Object({
  created: Type.Integer({ examples: [2] }),
  profiles: Type.Array(Type.Object({ profile_id: ProfileId, user_id: UserId, app_id: AppId }), { description: 'In request order' }),
});

export async function bulkProfileRoutes(app: TypedApp, { bulkProfiles, config }: BulkRoutesDeps): Promise<void> {
  app.post(
    '/operator/profile/create-bulk',
    {
      config: { auth: 'operator' },
      bodyLimit: config.bulkBodyLimitBytes,
      // Unlike other routes, name every bad item: a 100,000-item import must show all its mistakes at once.
      schemaErrorFormatter: (errors) => {
        const fieldErrors = ajvFieldErrors(errors as ErrorObject[], '', Infinity, 'is not a known field');
        return HttpErrors.validationFailed(`${summarizeFieldErrors(fieldErrors)}; nothing was written`, fieldErrors);
      },
      schema: {
        operationId: 'createProfilesBulk',
        tags: ['profiles', 'operator'],
        summary: 'Create many profiles at once (all or nothing)',
        description:
          "Every item is checked first: shape (400), then size and nesting, that the app exists, that the user exists and is not deleted, and the app schema (422). Then, with those users' rows locked, each user's limits (profiles per app, profile_data bytes across apps) counting the items in request order (422, naming each item that does not fit). Any failure names each failing item by index (`/profiles/17/user_id`) and writes nothing. Otherwise all profiles are written in one transaction and share one created_at; lists show them in request order.",
        body: BulkBody,
        response: {
          201: BulkResult,
          409: { ...ProblemSchema, description: 'A user or app was removed while writing; nothing was written (`profiles_changed`)' },
          422: {
            ...ProblemSchema,
            description:
              'Some items cannot be created, or would take a user past a limit (errors[] names each); nothing was written (`invalid_profiles`)',
          },
        },
      },
    },
    async (request, reply) => {
      const rows = await bulkProfiles.createMany(request.body.profiles, principalOf(request).userId, contextOf(request));
      return reply.code(201).send({
        created: rows.length,
        profiles: rows.map((row) => ({ profile_id: row.id, user_id: row.userId, app_id: row.appId })),
      });
    },
  );
}
