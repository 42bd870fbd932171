export { createSentinelClient, type SentinelClient, type SentinelClientOptions } from './client.js';
export { call } from './call.js';
export { SentinelError } from './errors.js';
export type { AuthenticationCredential, Passkey, RegistrationCredential } from './passkeys.js';
export type { WriteOptions } from './profiles.js';
export type { App, LoginInput, LoginResult, Problem, Profile, RegisterInput, Session, User, VersionedProfile } from './types.js';
export { InvalidAccessTokenError, verifyAccessToken, type SentinelClaims, type VerifyOptions } from './verify.js';
export type { paths, operations, components } from './generated/openapi.js';
