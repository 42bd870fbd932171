import type { Client } from 'openapi-fetch';
import { call } from './call.js';
import type { paths } from './generated/openapi.js';
import type { Answer, Profile, VersionedProfile } from './types.js';

/** `ifMatch`: the ETag of the version you read; the write fails with 412 `precondition_failed` if it changed since. */
export interface WriteOptions {
  ifMatch?: string;
}

const ifMatch = (options?: WriteOptions) => (options?.ifMatch === undefined ? undefined : { 'if-match': options.ifMatch });

function versioned(profile: Profile, response: Response): VersionedProfile {
  return { profile, etag: response.headers.get('etag') ?? `"${profile.version}"` };
}

/** The logged-in user's own profiles in one app. */
export function profilesApi(api: Client<paths>) {
  return {
    async list(appId: number, page?: { limit?: number; cursor?: string }): Promise<Answer<'listOwnProfiles', 200>> {
      return (await call(api.GET('/user/profiles/{appid}', { params: { path: { appid: appId }, query: page ?? {} } }))).data;
    },
    async create(appId: number, profileData: unknown): Promise<VersionedProfile> {
      const { data, response } = await call(api.POST('/user/profiles/create', { body: { app_id: appId, profile_data: profileData } }));
      return versioned(data.profile, response);
    },
    async get(appId: number, profileId: string): Promise<VersionedProfile> {
      const { data, response } = await call(
        api.GET('/user/profiles/{appid}/{profile_id}', { params: { path: { appid: appId, profile_id: profileId } } }),
      );
      return versioned(data.profile, response);
    },
    /** Replaces profile_data whole. */
    async replace(appId: number, profileId: string, profileData: unknown, options?: WriteOptions): Promise<VersionedProfile> {
      const { data, response } = await call(
        api.PUT('/user/profiles/{appid}/{profile_id}', {
          params: { path: { appid: appId, profile_id: profileId }, header: ifMatch(options) },
          body: { profile_data: profileData },
        }),
      );
      return versioned(data.profile, response);
    },
    /** Applies a JSON merge patch (RFC 7396) to profile_data: `null` removes a member. */
    async patch(appId: number, profileId: string, patch: Record<string, unknown>, options?: WriteOptions): Promise<VersionedProfile> {
      const { data, response } = await call(
        api.PATCH('/user/profiles/{appid}/{profile_id}', {
          params: { path: { appid: appId, profile_id: profileId }, header: ifMatch(options) },
          body: patch,
          headers: { 'Content-Type': 'application/merge-patch+json' },
        }),
      );
      return versioned(data.profile, response);
    },
    async delete(appId: number, profileId: string, options?: WriteOptions): Promise<void> {
      await call(
        api.DELETE('/user/profiles/{appid}/{profile_id}', {
          params: { path: { appid: appId, profile_id: profileId }, header: ifMatch(options) },
        }),
      );
    },
  };
}
