import type { FastifyRequest } from 'fastify';
import { Readable } from 'node:stream';
import { Type } from 'typebox';
import { assertAppAllowed, principalOf } from '../../http/auth.js';
import { page, readPage } from '../../http/pagination.js';
import { contextOf } from '../../http/request-context.js';
import { withHeaders } from '../../http/schemas.js';
import type { TypedApp } from '../../http/types.js';
import { ExportSchema } from './export-schema.js';
import type { ExportService } from './export-service.js';
import { etagOf, ifNoneMatchHits } from './preconditions.js';
import type { ProfileService, Writer } from './profile-service.js';
import {
  AppParams,
  CreateProfileBody,
  IfMatchHeaders,
  IfNoneMatchHeaders,
  ListQuery,
  MergePatchBody,
  OwnProfileParams,
  ProfileEnvelope,
  ProfileList,
  ProfileProblems,
  ProfileWriteResponses,
  ReplaceProfileBody,
  toProfile,
} from './schemas.js';

export interface UserProfileRoutesDeps {
  profileService: ProfileService;
  exportService: ExportService;
}

function owner(request: FastifyRequest): Writer {
  return { actorUserId: principalOf(request).userId, byOperator: false, context: contextOf(request) };
}

/** The caller's own profiles, and the export of all their data. */
export async function userProfileRoutes(app: TypedApp, { profileService, exportService }: UserProfileRoutesDeps): Promise<void> {
  // An app's OpenID Connect token (scope sentinel:profiles) reaches the user's profiles in that app only.
  // A callback hook: the usual caller holds a user's own token, and passes without a promise.
  app.addHook('preHandler', (request, _reply, done) => {
    if (request.principal?.appId === undefined || request.routeOptions.config.auth !== 'appUser') return done();
    const appId = (request.params as { appid?: number }).appid ?? (request.body as { app_id?: number } | undefined)?.app_id;
    try {
      if (appId !== undefined) assertAppAllowed(request, appId);
    } catch (error) {
      return done(error as Error);
    }
    done();
  });

  app.post(
    '/user/profiles/create',
    {
      config: { auth: 'appUser' },
      schema: {
        operationId: 'createOwnProfile',
        tags: ['profiles', 'user'],
        summary: 'Create a profile for yourself in an app',
        description:
          'A user may hold several profiles per app, up to a limit (409 profile_limit_reached), and profile_data of all apps together up to another (409 profile_bytes_limit_reached). Answers with ETag and Location of the new profile.',
        body: CreateProfileBody,
        response: {
          201: withHeaders(ProfileEnvelope, 'ETag', 'Location'),
          404: ProfileProblems.appNotFound,
          409: ProfileProblems.limit,
          413: ProfileProblems.tooLarge,
          422: ProfileProblems.schema,
        },
      },
    },
    async (request, reply) => {
      const { userId } = principalOf(request);
      const profile = await profileService.create({ userId, appId: request.body.app_id }, request.body.profile_data, owner(request));
      reply.header('ETag', etagOf(profile.version)).header('Location', `/user/profiles/${profile.appId}/${profile.id}`);
      return reply.code(201).send({ profile: toProfile(profile) });
    },
  );

  app.get(
    '/user/profiles/:appid',
    {
      config: { auth: 'appUser' },
      schema: {
        operationId: 'listOwnProfiles',
        tags: ['profiles', 'user'],
        summary: 'List your profiles in an app, in creation order',
        description: 'Paginated with limit and cursor. An unknown app is 404; an app where you have no profile gives an empty list.',
        params: AppParams,
        querystring: ListQuery,
        response: { 200: ProfileList, 404: ProfileProblems.appNotFound },
      },
    },
    async (request) => {
      const { limit, after: [afterSeq] = [0] } = readPage(request.query, ['number']);
      const owned = { userId: principalOf(request).userId, appId: request.params.appid };
      const rows = await profileService.list(owned, limit + 1, afterSeq, false);
      const { items, nextCursor } = page(rows, limit, (row) => [row.seq]);
      return { profiles: items.map(toProfile), next_cursor: nextCursor };
    },
  );

  app.get(
    '/user/profiles/:appid/:profile_id',
    {
      config: { auth: 'appUser' },
      schema: {
        operationId: 'getOwnProfile',
        tags: ['profiles', 'user'],
        summary: 'Get one of your profiles',
        description: 'Sends the version as ETag; with If-None-Match holding it, answers 304 without a body.',
        params: OwnProfileParams,
        headers: IfNoneMatchHeaders,
        response: {
          200: withHeaders(ProfileEnvelope, 'ETag'),
          304: withHeaders(Type.Null({ description: 'Not modified' }), 'ETag'),
          404: ProfileProblems.profileNotFound,
        },
      },
    },
    async (request, reply) => {
      const profile = await profileService.get({
        id: request.params.profile_id,
        userId: principalOf(request).userId,
        appId: request.params.appid,
      });
      reply.header('ETag', etagOf(profile.version));
      if (ifNoneMatchHits(request.headers['if-none-match'], profile.version)) return reply.code(304).send(null);
      return { profile: toProfile(profile) };
    },
  );

  app.put(
    '/user/profiles/:appid/:profile_id',
    {
      config: { auth: 'appUser' },
      schema: {
        operationId: 'replaceOwnProfile',
        tags: ['profiles', 'user'],
        summary: "Replace one of your profiles' data",
        description: 'Bumps the version. With If-Match, writes only if the profile is still at that version (412 otherwise).',
        params: OwnProfileParams,
        headers: IfMatchHeaders,
        body: ReplaceProfileBody,
        response: ProfileWriteResponses,
      },
    },
    async (request, reply) => {
      const key = { id: request.params.profile_id, userId: principalOf(request).userId, appId: request.params.appid };
      const profile = await profileService.replace(key, request.body.profile_data, request.headers['if-match'], owner(request));
      return reply.header('ETag', etagOf(profile.version)).send({ profile: toProfile(profile) });
    },
  );

  app.patch(
    '/user/profiles/:appid/:profile_id',
    {
      config: { auth: 'appUser', bodyType: 'merge-patch' },
      schema: {
        operationId: 'patchOwnProfile',
        tags: ['profiles', 'user'],
        summary: 'Change part of a profile with a JSON merge patch',
        description:
          'Content-Type: application/merge-patch+json (RFC 7396): keys merge, null removes a key, arrays replace. The patch must be an object (to replace everything, PUT). Concurrent patches apply one after another; none is lost. Honours If-Match.',
        params: OwnProfileParams,
        headers: IfMatchHeaders,
        consumes: ['application/merge-patch+json'],
        body: MergePatchBody,
        response: ProfileWriteResponses,
      },
    },
    async (request, reply) => {
      const key = { id: request.params.profile_id, userId: principalOf(request).userId, appId: request.params.appid };
      const profile = await profileService.patch(key, request.body, request.headers['if-match'], owner(request));
      return reply.header('ETag', etagOf(profile.version)).send({ profile: toProfile(profile) });
    },
  );

  app.delete(
    '/user/profiles/:appid/:profile_id',
    {
      config: { auth: 'appUser' },
      schema: {
        operationId: 'deleteOwnProfile',
        tags: ['profiles', 'user'],
        summary: 'Delete one of your profiles',
        description: 'Honours If-Match.',
        params: OwnProfileParams,
        headers: IfMatchHeaders,
        response: { 204: Type.Null({ description: 'Deleted' }), 404: ProfileProblems.profileNotFound, 412: ProfileProblems.stale },
      },
    },
    async (request, reply) => {
      const key = { id: request.params.profile_id, userId: principalOf(request).userId, appId: request.params.appid };
      await profileService.remove(key, request.headers['if-match'], owner(request));
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/user/export',
    {
      config: { auth: 'user' },
      schema: {
        operationId: 'exportOwnData',
        tags: ['user', 'profiles'],
        summary: 'Download everything Sentinel stores about you',
        description:
          'One JSON document: your account, every profile in every app (with those apps), your sessions (never their tokens) and the security events about your account. Secrets (password hash, TOTP secret, recovery codes, tokens) are never included. The export itself is recorded as a security event. The document is streamed as it is read (chunked, no Content-Length); if reading fails midway the connection is cut, so a document that ends is always complete. Profiles created after the export started are left out.',
        response: { 200: withHeaders(ExportSchema, 'Content-Disposition') },
      },
    },
    async (request, reply) => {
      const exported = await exportService.exportFor(principalOf(request), contextOf(request));
      reply.header('Content-Disposition', `attachment; filename="sentinel-export-${exported.userId}.json"`);
      // A stream skips the response serializer (hence the cast): the service writes exactly ExportSchema's fields.
      const body = Readable.from(exported.chunks, { objectMode: false });
      return reply.type('application/json; charset=utf-8').send(body as never);
    },
  );
}
