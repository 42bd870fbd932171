import type { FastifyInstance, FastifyRequest, onRequestAsyncHookHandler, onRequestHookHandler } from 'fastify';
import type { BodyType } from './content-types.js';
import { AppError, HttpErrors } from './errors.js';

/**
 * How a route authenticates. Every documented route declares one in `config.auth`; the
 * guard runs in onRequest, before the body is read, so an unauthorized caller learns
 * nothing from validation errors.
 */
export type AuthMode = 'none' | 'apiKey' | 'user' | 'operator' | 'appUser';

/** The caller behind a valid access token, with their account as it was when the token was checked. */
export interface Principal {
  userId: string;
  sessionId: string;
  operator: boolean;
  email: string;
  username: string;
  expiresAt: Date;
  /**
   * Set when the caller is an app acting for the user with an OpenID Connect access token
   * (scope `sentinel:profiles`): only routes in `appUser` mode accept one, and only for this app.
   */
  appId?: number;
  /** Every column of the account but the password's. */
  user: {
    id: string;
    username: string;
    email: string;
    firstName: string;
    lastName: string;
    operator: boolean;
    otpEnabled: boolean;
    emailVerified: boolean;
    createdAt: Date;
    updatedAt: Date;
    deletedAt: Date | null;
  };
}

/** Who presented the X-API-KEY: the bootstrap key from configuration, or one of an app's keys. */
export type ApiClient = { kind: 'bootstrap' } | { kind: 'app'; appId: number; keyId: string };

export interface Authenticators {
  /** Resolves a bearer token, or throws a 401 AppError. */
  verifyAccessToken(token: string): Promise<Principal>;
  verifyApiKey(key: string): Promise<ApiClient | undefined>;
  /**
   * verifyAccessToken without waiting, when it can answer from memory: the same Principal or
   * 401, or undefined to fall back to verifyAccessToken. Optional; a repeated token then
   * costs the guard no promise.
   */
  verifyCachedAccessToken?(token: string): Principal | undefined;
  /** Resolves an app's OpenID Connect access token (opaque, not a JWT), or throws a 401/403 AppError. */
  verifyAppToken?(token: string): Promise<Principal>;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    auth?: AuthMode;
    bodyType?: BodyType;
  }
  interface FastifyRequest {
    principal?: Principal;
    apiClient?: ApiClient;
  }
}

export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw HttpErrors.unauthorized();
  return request.principal;
}

export function installAuth(app: FastifyInstance, authenticators: Authenticators): void {
  app.decorateRequest('principal', undefined);
  app.decorateRequest('apiClient', undefined);

  const apiKeyGuard: onRequestAsyncHookHandler = async (request) => {
    const key = request.headers['x-api-key'];
    if (typeof key !== 'string' || key === '') throw HttpErrors.invalidApiKey('Send your API key in the X-API-KEY header');
    const client = await authenticators.verifyApiKey(key);
    if (!client) throw HttpErrors.invalidApiKey('The X-API-KEY is not a valid API key');
    request.apiClient = client;
  };
  const guards: Record<AuthMode, onRequestAsyncHookHandler | onRequestHookHandler | undefined> = {
    none: undefined,
    apiKey: apiKeyGuard,
    user: bearerGuard(authenticators, false),
    // The user's own access token, or an app's OIDC token for that user (appUser routes check the app).
    appUser: appUserGuard(authenticators),
    operator: bearerGuard(authenticators, true),
  };

  app.addHook('onRoute', (route) => {
    const mode = route.config?.auth;
    if (mode === undefined) {
      if (route.schema && !route.schema.hide) throw new Error(`${route.method} ${route.url} declares no config.auth`);
      return;
    }
    const guard = guards[mode];
    if (guard) route.onRequest = [guard, ...toArray(route.onRequest)];
  });
}

/**
 * The guard of bearer routes. A callback hook rather than an async one: a token answered from
 * memory (the usual case) passes without a promise; others wait for verifyAccessToken.
 */
function bearerGuard(authenticators: Authenticators, operatorOnly: boolean): onRequestHookHandler {
  const admit = (request: FastifyRequest, principal: Principal): AppError | undefined => {
    request.principal = principal;
    return operatorOnly && !principal.operator ? HttpErrors.forbidden('This route needs an operator') : undefined;
  };
  return (request, _reply, done) => {
    let token: string;
    try {
      token = bearerToken(request);
      const principal = authenticators.verifyCachedAccessToken?.(token);
      if (principal) return done(admit(request, principal));
    } catch (error) {
      return done(error as Error);
    }
    authenticators.verifyAccessToken(token).then(
      (principal) => done(admit(request, principal)),
      (error: Error) => done(error),
    );
  };
}

/** An OIDC access token is opaque (not a JWT): it goes to the app-token check; a JWT is a Sentinel access token. */
function appUserGuard(authenticators: Authenticators): onRequestHookHandler {
  const asUser = bearerGuard(authenticators, false);
  if (!authenticators.verifyAppToken) return asUser;
  const verifyAppToken = authenticators.verifyAppToken.bind(authenticators);
  return function (request, reply, done) {
    let token: string;
    try {
      token = bearerToken(request);
    } catch (error) {
      return done(error as Error);
    }
    if (token.split('.').length === 3) return asUser.call(this, request, reply, done);
    verifyAppToken(token).then(
      (principal) => {
        request.principal = principal;
        done();
      },
      (error: Error) => done(error),
    );
  };
}

/** On an appUser route: an app's token reaches only that app's data (403 for another app's). */
export function assertAppAllowed(request: FastifyRequest, appId: number): void {
  const { appId: tokenApp } = principalOf(request);
  if (tokenApp !== undefined && tokenApp !== appId) throw HttpErrors.forbidden(`This token is for app ${tokenApp}, not app ${appId}`);
}

function bearerToken(request: FastifyRequest): string {
  const header = request.headers.authorization;
  const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  if (!match) throw HttpErrors.unauthorized('Send Authorization: Bearer <access token>');
  return match[1]!;
}

/** The challenge of X-API-KEY routes: no HTTP scheme is registered for API keys, so it names the header. */
export const API_KEY_CHALLENGE = 'ApiKey header="X-API-KEY"';

/**
 * The WWW-Authenticate challenge for a 401 on a route of this kind (RFC 9110 15.5.2). Bearer
 * routes follow RFC 6750 3.1: bare `Bearer` when no token was sent, `invalid_token` with the
 * reason otherwise. X-API-KEY routes challenge only when the key is what failed: a wrong
 * password or OTP code on /auth/login or /auth/verify-otp is about the body, not the request's
 * credentials, and gets no challenge (as an OAuth token endpoint's errors get none).
 */
export function challengeFor(mode: AuthMode | undefined, problem: Pick<AppError, 'code' | 'title' | 'detail'>): string | undefined {
  if (mode === 'user' || mode === 'operator' || mode === 'appUser') {
    if (problem.code === HttpErrors.unauthorized.code) return 'Bearer';
    return `Bearer error="invalid_token", error_description="${quotable(problem.detail ?? problem.title)}"`;
  }
  if (mode === 'apiKey' && problem.code === HttpErrors.invalidApiKey.code) return API_KEY_CHALLENGE;
  return undefined;
}

/** Adds the route's challenge to a 401 that has none, whichever code raised it. */
export function withChallenge(request: FastifyRequest, problem: AppError): AppError {
  if (problem.status !== 401) return problem;
  if (Object.keys(problem.headers ?? {}).some((name) => name.toLowerCase() === 'www-authenticate')) return problem;
  const challenge = challengeFor(request.routeOptions.config?.auth, problem);
  if (!challenge) return problem;
  const headers = { ...problem.headers, 'WWW-Authenticate': challenge };
  return new AppError(problem.code, problem.status, problem.title, problem.detail, problem.errors, headers);
}

/** RFC 6750's error_description allows printable ASCII but `"` and `\`. */
function quotable(text: string): string {
  return text.replace(/[^\x20-\x7e]|["\\]/g, "'");
}

function toArray<T>(value: T | T[] | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}
