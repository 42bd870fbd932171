import type { Client } from 'openapi-fetch';
import { call } from './call.js';
import type { operations, paths } from './generated/openapi.js';
import type { Answer, Body, User } from './types.js';

type Query<Op extends keyof operations> = NonNullable<operations[Op]['parameters']['query']>;

/** Administration: these need the session of an operator (403 `forbidden` otherwise). */
export function operatorApi(api: Client<paths>) {
  return {
    /** Registers an app; the answer holds its API key, shown this once. */
    async registerApp(input: Body<'registerApp'>): Promise<Answer<'registerApp', 201>> {
      return (await call(api.POST('/operator/app/register', { body: input }))).data;
    },
    async listUsers(query: Query<'operatorListUsers'> = {}): Promise<Answer<'operatorListUsers', 200>> {
      return (await call(api.GET('/operator/users', { params: { query } }))).data;
    },
    async getUser(userId: string): Promise<Answer<'operatorGetUserById', 200>['user']> {
      return (await call(api.GET('/operator/users/{userid}', { params: { path: { userid: userId } } }))).data.user;
    },
    /** Creates a user (an operator with `operator: true`). */
    async registerUser(input: Body<'operatorRegisterUser'>): Promise<User> {
      return (await call(api.POST('/operator/profile/register', { body: input }))).data.user;
    },
    async updateUser(input: Body<'operatorUpdateUser'>): Promise<Answer<'operatorUpdateUser', 200>['user']> {
      return (await call(api.POST('/operator/userinfo/update', { body: input }))).data.user;
    },
    async resetUserPassword(input: Body<'operatorResetUserPassword'>): Promise<void> {
      await call(api.POST('/operator/profile/reset-user-password', { body: input }));
    },
    /** Soft-deletes the user with this email; all their sessions end. */
    async deleteUser(email: string): Promise<void> {
      await call(api.GET('/operator/users/delete/{email}', { params: { path: { email } } }));
    },
    async userProfiles(userId: string, appId: number): Promise<Answer<'listUserProfiles', 200>> {
      return (await call(api.GET('/operator/users/profile/{userid}/{appid}', { params: { path: { userid: userId, appid: appId } } }))).data;
    },
    /** All or nothing: any invalid item fails the whole request (400/422 naming each item). */
    async createProfilesBulk(profiles: Body<'createProfilesBulk'>['profiles']): Promise<Answer<'createProfilesBulk', 201>> {
      return (await call(api.POST('/operator/profile/create-bulk', { body: { profiles } }))).data;
    },
    async revokeSessions(userId: string): Promise<Answer<'operatorRevokeUserSessions', 200>> {
      return (await call(api.DELETE('/operator/users/{userid}/sessions', { params: { path: { userid: userId } } }))).data;
    },
    async audit(query: Query<'operatorListAuditEvents'> = {}): Promise<Answer<'operatorListAuditEvents', 200>> {
      return (await call(api.GET('/operator/audit', { params: { query } }))).data;
    },
    keys: {
      async list(): Promise<Answer<'listSigningKeys', 200>['keys']> {
        return (await call(api.GET('/operator/keys'))).data.keys;
      },
      /** A new key signs at once; the old one verifies its tokens until they expire. */
      async rotate(): Promise<Answer<'rotateSigningKey', 201>['key']> {
        return (await call(api.POST('/operator/keys/rotate'))).data.key;
      },
    },
  };
}
