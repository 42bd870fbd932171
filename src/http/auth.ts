import type { FastifyInstance, FastifyRequest, onRequestAsyncHookHandler, RouteOptions } from 'fastify';
import type { TSchema } from 'typebox';
import type { BodyType } from './content-types.js';
import { AppError, HttpErrors } from './errors.js';
import { ProblemSchema } from './schemas.js';

/**
 * How a route authenticates. Every documented route declares one in `config.auth`; the
 * guard runs in onRequest, before the body is read, so an unauthorized caller learns
 * nothing from validation errors.
 */
export type AuthMode = 'none' | 'apiKey' | 'user' | 'operator';

/** The caller behind a valid access token. */
export interface Principal {
  userId: string;
  sessionId: string;
  operator: boolean;
  email: string;
  username: string;
  expiresAt: Date;
}

/** Who presented the X-API-KEY: the bootstrap key from configuration, or one of an app's keys. */
export type ApiClient = { kind: 'bootstrap' } | { kind: 'app'; appId: number; keyId: string };

export interface Authenticators {
  /** Resolves a bearer token, or throws a 401 AppError. */
  verifyAccessToken(token: string): Promise<Principal>;
  verifyApiKey(key: string): Promise<ApiClient | undefined>;
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

const SECURITY: Record<AuthMode, Record<string, string[]>[]> = {
  none: [],
  apiKey: [{ apiKey: [] }],
  user: [{ bearer: [] }],
  operator: [{ bearer: [] }],
};

export function installAuth(app: FastifyInstance, authenticators: Authenticators): void {
  app.decorateRequest('principal', undefined);
  app.decorateRequest('apiClient', undefined);

  const guards: Record<AuthMode, onRequestAsyncHookHandler | undefined> = {
    none: undefined,
    apiKey: async (request) => {
      const key = request.headers['x-api-key'];
      if (typeof key !== 'string' || key === '') throw HttpErrors.invalidApiKey('Send your API key in the X-API-KEY header');
      const client = await authenticators.verifyApiKey(key);
      if (!client) throw HttpErrors.invalidApiKey('The X-API-KEY is not a valid API key');
      request.apiClient = client;
    },
    user: async (request) => {
      request.principal = await authenticators.verifyAccessToken(bearerToken(request));
    },
    operator: async (request) => {
      request.principal = await authenticators.verifyAccessToken(bearerToken(request));
      if (!request.principal.operator) throw HttpErrors.forbidden('This route needs an operator');
    },
  };

  app.addHook('onRoute', (route) => {
    const mode = route.config?.auth;
    if (mode === undefined) {
      if (route.schema && !route.schema.hide) throw new Error(`${route.method} ${route.url} declares no config.auth`);
      return;
    }
    const guard = guards[mode];
    if (guard) route.onRequest = [guard, ...toArray(route.onRequest)];
    documentRoute(route, mode);
  });
}

function bearerToken(request: FastifyRequest): string {
  const header = request.headers.authorization;
  const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  if (!match) {
    throw new AppError('unauthorized', 401, 'Authentication required', 'Send Authorization: Bearer <access token>', undefined, {
      'WWW-Authenticate': 'Bearer',
    });
  }
  return match[1]!;
}

function toArray<T>(value: T | T[] | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** Adds the security requirement and the error answers every route of this kind can give. */
function documentRoute(route: RouteOptions, mode: AuthMode): void {
  const schema = (route.schema ??= {});
  schema.security = SECURITY[mode];
  const response = (schema.response ??= {}) as Record<string, TSchema>;
  const errors: Record<string, string> = { 500: 'Unexpected server error' };
  if (schema.body || schema.querystring || schema.params) errors[400] = 'Invalid request (details in errors[])';
  if (schema.body) {
    errors[413] = 'Body too large';
    errors[415] = 'Body is not JSON';
  }
  if (mode !== 'none') errors[401] = mode === 'apiKey' ? 'Missing or invalid X-API-KEY' : 'Missing, invalid, expired or revoked token';
  if (mode === 'operator') errors[403] = 'The caller is not an operator';
  if (route.config?.rateLimit) errors[429] = 'Too many attempts from this address (see Retry-After)';
  for (const [status, description] of Object.entries(errors)) {
    response[status] ??= { ...ProblemSchema, description };
  }
}
