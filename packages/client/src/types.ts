import type { components, operations } from './generated/openapi.js';

/** The JSON body an operation answers with `status`. */
export type Answer<Op extends keyof operations, Status extends number> =
  operations[Op]['responses'] extends Record<Status, { content: { 'application/json': infer Body } }> ? Body : never;

/** The JSON body an operation takes. */
export type Body<Op extends keyof operations> = operations[Op] extends { requestBody?: { content: infer Content } }
  ? Content extends { 'application/json': infer Json }
    ? Json
    : Content extends { 'application/merge-patch+json': infer Patch }
      ? Patch
      : never
  : never;

/** RFC 9457 problem details: the body of every error answer. */
export type Problem = components['schemas']['Problem'];
export type Session = Answer<'refreshSession', 200>;
export type User = Session['user'];
export type Profile = Answer<'getOwnProfile', 200>['profile'];
export type App = Answer<'listApps', 200>['apps'][number];
export type RegisterInput = Body<'register'>;
export type LoginInput = Body<'login'>;

/** What login answers: a session, or the second step when the user has TOTP on. */
export type LoginResult = { kind: 'session'; session: Session } | { kind: 'otp_required'; otpToken: string };

/** A profile with its ETag: send the ETag back as `ifMatch` so a stale write fails (412) instead of overwriting. */
export interface VersionedProfile {
  profile: Profile;
  etag: string;
}
