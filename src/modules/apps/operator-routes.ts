import { Type } from 'typebox';
import { operatorActionOf } from '../../http/request-context.js';
import { ProblemSchema, withHeaders } from '../../http/schemas.js';
import type { TypedApp } from '../../http/types.js';
import type { AppService } from './app-service.js';
import {
  ApiKeySchema,
  ApiKeySecret,
  AppParams,
  AppSchema,
  OperatorAppSchema,
  ProfileDataSchema,
  RegisterAppBody,
  SetSchemaBody,
  toApiKey,
  toApp,
  toOperatorApp,
  UpdateAppBody,
  AppNotFound,
  InvalidProfileSchema,
} from './schemas.js';

const nameTaken = { ...ProblemSchema, description: 'Another app already has this name, compared regardless of case (`app_name_taken`)' };

/** Operator administration of apps: registration, changes, deletion and the profile schema. */
export async function appOperatorRoutes(app: TypedApp, { appService }: { appService: AppService }): Promise<void> {
  app.post(
    '/operator/app/register',
    {
      config: { auth: 'operator' },
      schema: {
        operationId: 'registerApp',
        tags: ['apps', 'operator'],
        summary: 'Register an app and get its first API key',
        description:
          'The API key is in this answer only: Sentinel keeps its SHA-256. Send it as X-API-KEY on /auth/register and /auth/login; sessions started with it record the app. More keys: POST /operator/app/{appid}/keys.',
        body: RegisterAppBody,
        response: {
          201: withHeaders(Type.Object({ app: AppSchema, api_key: ApiKeySecret, key: ApiKeySchema }), 'Location'),
          409: nameTaken,
        },
      },
    },
    async (request, reply) => {
      const { app: row, key, apiKey } = await appService.register(request.body, operatorActionOf(request));
      reply.header('Location', `/operator/app/${row.id}`);
      return reply.code(201).send({ app: toApp(row), api_key: apiKey, key: toApiKey(key) });
    },
  );

  app.get(
    '/operator/app/:appid',
    {
      config: { auth: 'operator' },
      schema: {
        operationId: 'getApp',
        tags: ['apps', 'operator'],
        summary: 'Get an app with its profile schema',
        description: 'The app as operators see it: its domains and its profile_data JSON Schema (null when it has none).',
        params: AppParams,
        response: { 200: Type.Object({ app: OperatorAppSchema }), 404: AppNotFound },
      },
    },
    async (request) => ({ app: toOperatorApp(await appService.get(request.params.appid)) }),
  );

  app.patch(
    '/operator/app/:appid',
    {
      config: { auth: 'operator' },
      schema: {
        operationId: 'updateApp',
        tags: ['apps', 'operator'],
        summary: "Change an app's name, description or domains",
        description: 'Send at least one field; `domains` replaces the whole list. The app id and its keys stay.',
        params: AppParams,
        body: UpdateAppBody,
        response: { 200: Type.Object({ app: OperatorAppSchema }), 404: AppNotFound, 409: nameTaken },
      },
    },
    async (request) => ({ app: toOperatorApp(await appService.update(request.params.appid, request.body, operatorActionOf(request))) }),
  );

  app.delete(
    '/operator/app/:appid',
    {
      config: { auth: 'operator' },
      schema: {
        operationId: 'deleteApp',
        tags: ['apps', 'operator'],
        summary: 'Delete an app that has no profiles',
        description:
          'Its API keys stop working at once; sessions started with them keep working but no longer name the app. Refused (409) while any profile belongs to the app.',
        params: AppParams,
        response: {
          204: Type.Null({ description: 'Deleted' }),
          404: AppNotFound,
          409: { ...ProblemSchema, description: 'The app still has profiles (`app_has_profiles`)' },
        },
      },
    },
    async (request, reply) => {
      await appService.remove(request.params.appid, operatorActionOf(request));
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/operator/app/:appid/schema',
    {
      config: { auth: 'operator' },
      schema: {
        operationId: 'getProfileSchema',
        tags: ['apps', 'profiles', 'operator'],
        summary: "Get the JSON Schema of an app's profile_data",
        description: 'null when the app has none, in which case any JSON value is accepted.',
        params: AppParams,
        response: { 200: Type.Object({ app_id: Type.Integer(), schema: Type.Union([ProfileDataSchema, Type.Null()]) }), 404: AppNotFound },
      },
    },
    async (request) => {
      const row = await appService.get(request.params.appid);
      return { app_id: row.id, schema: (row.profileSchema as Record<string, unknown> | null) ?? null };
    },
  );

  app.put(
    '/operator/app/:appid/schema',
    {
      config: { auth: 'operator' },
      schema: {
        operationId: 'setProfileSchema',
        tags: ['apps', 'profiles', 'operator'],
        summary: "Set the JSON Schema (draft 2020-12) every write of the app's profile_data must satisfy",
        description:
          'From now on every create, replace, patch and bulk create of this app is checked; a violation is 422 with one errors[] entry per violation. Existing profiles are not re-checked. Unknown keywords are ignored as annotations; `format` is enforced; external `$ref`s are refused. A schema may nest at most 64 levels of objects and arrays and take at most 64 KiB as JSON.',
        params: AppParams,
        body: SetSchemaBody,
        response: {
          200: Type.Object({ app_id: Type.Integer(), schema: ProfileDataSchema }),
          404: AppNotFound,
          422: InvalidProfileSchema,
        },
      },
    },
    async (request) => {
      const row = await appService.setSchema(request.params.appid, request.body.schema, operatorActionOf(request));
      return { app_id: row.id, schema: row.profileSchema as Record<string, unknown> };
    },
  );

  app.delete(
    '/operator/app/:appid/schema',
    {
      config: { auth: 'operator' },
      schema: {
        operationId: 'clearProfileSchema',
        tags: ['apps', 'profiles', 'operator'],
        summary: "Remove an app's profile schema",
        description: 'Writes are no longer checked. Clearing an app without a schema is fine.',
        params: AppParams,
        response: { 204: Type.Null({ description: 'Cleared' }), 404: AppNotFound },
      },
    },
    async (request, reply) => {
      await appService.clearSchema(request.params.appid, operatorActionOf(request));
      return reply.code(204).send(null);
    },
  );
}
