import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { principalOf } from '../../http/auth.js';
import { page, readPage } from '../../http/pagination.js';
import { contextOf } from '../../http/request-context.js';
import { ProblemSchema, withHeaders } from '../../http/schemas.js';
import type { TypedApp } from '../../http/types.js';
import { etagOf, ifNoneMatchHits } from './preconditions.js';
import type { ProfileService, Writer } from './profile-service.js';
import {
  IfMatchHeaders,
  IfNoneMatchHeaders,
  ListQuery,
  MergePatchBody,
  ProfileEnvelope,
  ProfileProblems,
  ProfileWriteResponses,
  ProfileList,
  ReplaceProfileBody,
  toProfile,
  UserAppParams,
  UserProfileParams,
} from './schemas.js';

function operator(request: FastifyRequest): Writer {
  return { actorUserId: principalOf(request).userId, byOperator: true, context: contextOf(request) };
}

const notFound = { ...ProblemSchema, description: 'No such user (`user_not_found`) or app (`app_not_found`)' };

/** Any user's profiles, for operators. Every write is audited. */
export async function operatorProfileRoutes(app: TypedApp, { profileService }: { profileService: ProfileService }): Promise<void> {
  app.get(
    '/operator/users/profile/:userid/:appid',
    {
      config: { auth: 'operator' },
      schema: {
        operationId: 'listUserProfiles',
        tags: ['profiles', 'operator'],
        summary: "List a user's profiles in an app, in creation order",
        description: 'Deleted users included. An unknown user or app is 404.',
        params: UserAppParams,
        querystring: ListQuery,
        response: { 200: ProfileList, 404: notFound },
      },
    },
    async (request) => {
      const { limit, after: [afterSeq] = [0] } = readPage(request.query, ['number']);
      const owned = { userId: request.params.userid.toLowerCase(), appId: request.params.appid };
      const rows = await profileService.list(owned, limit + 1, afterSeq, true);
      const { items, nextCursor } = page(rows, limit, (row) => [row.seq]);
      return { profiles: items.map(toProfile), next_cursor: nextCursor };
    },
  );

  app.post(
    '/operator/users/profile/:userid/:appid',
    {
      config: { auth: 'operator' },
      schema: {
        operationId: 'createUserProfile',
        tags: ['profiles', 'operator'],
        summary: 'Create a profile for a user',
        description:
          "The user must exist and not be deleted. The user's limits apply as to their own writes (409). Audited as profile.created_by_operator.",
        params: UserAppParams,
        body: ReplaceProfileBody,
        response: {
          201: withHeaders(ProfileEnvelope, 'ETag', 'Location'),
          404: notFound,
          409: ProfileProblems.limit,
          413: ProfileProblems.tooLarge,
          422: ProfileProblems.schema,
        },
      },
    },
    async (request, reply) => {
      const owned = { userId: request.params.userid.toLowerCase(), appId: request.params.appid };
      const profile = await profileService.create(owned, request.body.profile_data, operator(request));
      reply
        .header('ETag', etagOf(profile.version))
        .header('Location', `/operator/users/profile/${profile.userId}/${profile.appId}/${profile.id}`);
      return reply.code(201).send({ profile: toProfile(profile) });
    },
  );

  app.get(
    '/operator/users/profile/:userid/:appid/:profile_id',
    {
      config: { auth: 'operator' },
      schema: {
        operationId: 'getUserProfile',
        tags: ['profiles', 'operator'],
        summary: "Get one of a user's profiles",
        description: 'Sends the version as ETag; with If-None-Match holding it, answers 304.',
        params: UserProfileParams,
        headers: IfNoneMatchHeaders,
        response: {
          200: withHeaders(ProfileEnvelope, 'ETag'),
          304: withHeaders(Type.Null({ description: 'Not modified' }), 'ETag'),
          404: ProfileProblems.profileNotFound,
        },
      },
    },
    async (request, reply) => {
      const profile = await profileService.get(keyOf(request.params));
      reply.header('ETag', etagOf(profile.version));
      if (ifNoneMatchHits(request.headers['if-none-match'], profile.version)) return reply.code(304).send(null);
      return { profile: toProfile(profile) };
    },
  );

  app.put(
    '/operator/users/profile/:userid/:appid/:profile_id',
    {
      config: { auth: 'operator' },
      schema: {
        operationId: 'replaceUserProfile',
        tags: ['profiles', 'operator'],
        summary: "Replace a user's profile data",
        description: 'Honours If-Match. Audited as profile.updated_by_operator.',
        params: UserProfileParams,
        headers: IfMatchHeaders,
        body: ReplaceProfileBody,
        response: ProfileWriteResponses,
      },
    },
    async (request, reply) => {
      const profile = await profileService.replace(
        keyOf(request.params),
        request.body.profile_data,
        request.headers['if-match'],
        operator(request),
      );
      return reply.header('ETag', etagOf(profile.version)).send({ profile: toProfile(profile) });
    },
  );

  app.patch(
    '/operator/users/profile/:userid/:appid/:profile_id',
    {
      config: { auth: 'operator', bodyType: 'merge-patch' },
      schema: {
        operationId: 'patchUserProfile',
        tags: ['profiles', 'operator'],
        summary: "Change part of a user's profile with a JSON merge patch",
        description: 'Content-Type: application/merge-patch+json (RFC 7396). Honours If-Match. Audited as profile.updated_by_operator.',
        params: UserProfileParams,
        headers: IfMatchHeaders,
        consumes: ['application/merge-patch+json'],
        body: MergePatchBody,
        response: ProfileWriteResponses,
      },
    },
    async (request, reply) => {
      const profile = await profileService.patch(keyOf(request.params), request.body, request.headers['if-match'], operator(request));
      return reply.header('ETag', etagOf(profile.version)).send({ profile: toProfile(profile) });
    },
  );

  app.delete(
    '/operator/users/profile/:userid/:appid/:profile_id',
    {
      config: { auth: 'operator' },
      schema: {
        operationId: 'deleteUserProfile',
        tags: ['profiles', 'operator'],
        summary: "Delete a user's profile",
        description: 'Honours If-Match. Audited as profile.deleted_by_operator.',
        params: UserProfileParams,
        headers: IfMatchHeaders,
        response: { 204: Type.Null({ description: 'Deleted' }), 404: ProfileProblems.profileNotFound, 412: ProfileProblems.stale },
      },
    },
    async (request, reply) => {
      await profileService.remove(keyOf(request.params), request.headers['if-match'], operator(request));
      return reply.code(204).send(null);
    },
  );
}

function keyOf(params: { userid: string; appid: number; profile_id: string }) {
  return { id: params.profile_id.toLowerCase(), userId: params.userid.toLowerCase(), appId: params.appid };
}
