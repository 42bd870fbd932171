import type { FastifySchema, RouteOptions } from 'fastify';
import { STATUS_CODES } from 'node:http';
import { challengeFor, type AuthMode } from './auth.js';
import { formatBytes } from '../bytes.js';
import { AppError, declaredError, HttpErrors, problemBody, type ErrorFactory } from './errors.js';
import { PROBLEM_SCHEMA_ID, ResponseHeaders } from './schemas.js';

export const PROBLEM_MEDIA_TYPE = 'application/problem+json';

const SECURITY: Record<AuthMode, Record<string, string[]>[]> = {
  none: [],
  apiKey: [{ apiKey: [] }],
  user: [{ bearer: [] }],
  operator: [{ bearer: [] }],
  // The user's own access token, or an app's OpenID Connect access token with scope sentinel:profiles
  // (Spectral wants no scopes listed for an openIdConnect scheme; the scheme's description names it).
  appUser: [{ bearer: [] }, { oidc: [] }],
};

interface RouteFacts {
  mode: AuthMode;
  schema: FastifySchema;
  mergePatch: boolean;
  /** Set on routes with a limit of their own (bulk); others have SENTINEL_BODY_LIMIT, 1 MiB by default. */
  bodyLimit: number | undefined;
}

type ResponseDeclaration = { description?: string };

/** Each route's error answers, as documented; kept out of the schema Fastify compiles. */
const errorAnswers = new WeakMap<FastifySchema, Record<string, unknown>>();

/**
 * Completes a route's API documentation from what the route declares: its security
 * requirement, the error answers every route of its kind can give, and every error answer
 * as the shared `Problem` schema under application/problem+json, with real examples and
 * the headers sent with it. Runs in onRoute. The error answers move out of the route's
 * response schemas into `errorAnswers`, which the document adds back (withErrorAnswers):
 * sendProblem serializes every error itself, so compiling a serializer for each would only
 * slow the start.
 */
export function documentRoute(route: RouteOptions): void {
  const mode = route.config?.auth;
  // Fastify registers a HEAD route sharing a GET's schema: document it once.
  if (mode === undefined || route.schema?.hide || (route.schema && errorAnswers.has(route.schema))) return;
  const schema = (route.schema ??= {});
  schema.security = SECURITY[mode];
  const facts: RouteFacts = { mode, schema, mergePatch: route.config?.bodyType === 'merge-patch', bodyLimit: route.bodyLimit };
  const defaults = defaultErrors(facts, Boolean(route.config?.rateLimit));
  // Routes share response maps (a feature's write responses): build new ones, never change the shared one.
  const declared = { ...(schema.response as Record<string, ResponseDeclaration> | undefined) };
  for (const [status, description] of Object.entries(defaults)) declared[status] ??= { description };
  const successes: Record<string, unknown> = {};
  const errors: Record<string, unknown> = {};
  for (const [status, answer] of Object.entries(declared)) {
    const code = Number(status);
    if (code < 400) successes[status] = { ...answer, description: answer.description ?? STATUS_CODES[code] };
    else errors[status] = problemResponse(code, answer.description ?? '', code in defaults, facts);
  }
  schema.response = successes;
  errorAnswers.set(schema, errors);
}

/** @fastify/swagger's transform: the route's schema with its error answers back in. */
export function withErrorAnswers({ schema, url }: { schema: FastifySchema; url: string }): { schema: FastifySchema; url: string } {
  const errors = schema && errorAnswers.get(schema);
  return { schema: errors ? { ...schema, response: { ...(schema.response as object), ...errors } } : schema, url };
}

function defaultErrors({ mode, schema, mergePatch }: RouteFacts, rateLimited: boolean): Record<number, string> {
  const errors: Record<number, string> = {
    500: 'Unexpected server error',
    503: 'The database is not answering (see Retry-After)',
  };
  if (schema.body || schema.querystring || schema.params) errors[400] = 'Invalid request (details in errors[])';
  if (schema.body) {
    errors[413] = 'Body too large';
    errors[415] = mergePatch ? 'Body is not sent as application/merge-patch+json' : 'Body is not JSON';
  }
  if (mode !== 'none') errors[401] = mode === 'apiKey' ? 'Missing or invalid X-API-KEY' : 'Missing, invalid, expired or revoked token';
  if (mode === 'operator') errors[403] = 'The caller is not an operator';
  if (rateLimited) errors[429] = 'Too many attempts from this address (see Retry-After)';
  return errors;
}

function problemResponse(status: number, description: string, isDefault: boolean, facts: RouteFacts) {
  const problems = examplesFor(status, description, isDefault, facts);
  const examples = Object.fromEntries(problems.map((problem) => [problem.code, { summary: problem.title, value: problemBody(problem) }]));
  const headers = headersOf(problems, facts.mode);
  return {
    description,
    ...(headers ? { headers } : {}),
    content: { [PROBLEM_MEDIA_TYPE]: { schema: { $ref: `${PROBLEM_SCHEMA_ID}#` }, examples } },
  };
}

/** The headers the codes of an answer declare (defineErrors), as the API document shows them. */
function headersOf(problems: AppError[], mode: AuthMode) {
  const headers: Record<string, unknown> = {};
  for (const problem of problems) {
    for (const name of declaredError(problem.code, problem.status)?.headers ?? []) {
      if (name in headers) continue;
      if (name === 'WWW-Authenticate') {
        // Its value depends on the route's kind of credentials; routes with none challenge for nothing.
        const challenge = challengeFor(mode, problem);
        if (challenge) headers[name] = { ...ResponseHeaders[name], examples: [challenge] };
      } else if (name === 'ETag') {
        headers[name] = { ...ResponseHeaders.ETag, description: 'The current version, so a client can tell how far behind it is' };
      } else {
        headers[name] = ResponseHeaders[name];
      }
    }
  }
  return Object.keys(headers).length > 0 ? headers : undefined;
}

/**
 * The problems an answer can hold: the codes its description names in backticks (as
 * `profile_not_found`), and what any route of its kind answers with this status (a 401 from
 * the guard, a 413 for the body); a typical one of the status when that is all.
 */
function examplesFor(status: number, description: string, isDefault: boolean, facts: RouteFacts): AppError[] {
  const factories = [...description.matchAll(/`([a-z]+(?:_[a-z]+)+)`/g)]
    .map(([, code]) => declaredError(code!, status))
    .filter((factory): factory is ErrorFactory => factory !== undefined);
  // One code: the description is its detail; several share it, so each keeps its title.
  const detail = factories.length === 1 ? description.replace(/\s*\(`[a-z_]+`[^)]*\)/g, '').replace(/`/g, '') : undefined;
  const named = factories.map((factory) => factory(detail));
  const problems = [...(isDefault ? typicalProblems(status, facts) : []), ...named];
  return problems.length > 0 ? problems : typicalProblems(status, facts);
}

function authProblems(mode: Exclude<AuthMode, 'none'>): AppError[] {
  if (mode === 'apiKey') return [HttpErrors.invalidApiKey('The X-API-KEY is not a valid API key')];
  return [
    HttpErrors.invalidToken('The access token has expired; refresh it or log in again'),
    HttpErrors.unauthorized('Send Authorization: Bearer <access token>'),
  ];
}

function typicalProblems(status: number, facts: RouteFacts): AppError[] {
  switch (status) {
    case 400:
      return facts.schema.body
        ? [validationProblem(facts.schema), HttpErrors.malformedJson('The body is not valid JSON (at character 17)')]
        : [validationProblem(facts.schema)];
    case 401:
      return facts.mode === 'none' ? [HttpErrors.unauthorized()] : authProblems(facts.mode);
    case 403:
      return [HttpErrors.forbidden('This route needs an operator')];
    case 404:
      return [HttpErrors.notFound('Nothing matches the ids in the path')];
    case 409:
      return [HttpErrors.conflict('The change conflicts with the current state')];
    case 412:
      return [HttpErrors.preconditionFailed('The profile is at version 4, not "3": read it again, then retry')];
    case 413:
      return [
        HttpErrors.payloadTooLarge(`The body is larger than this endpoint's limit of ${formatBytes(facts.bodyLimit ?? 1024 * 1024)}`),
      ];
    case 415:
      return [HttpErrors.unsupportedMediaType(`Send the body as application/${facts.mergePatch ? 'merge-patch+json' : 'json'}`)];
    case 422:
      return [HttpErrors.unprocessable('The request is well-formed but cannot be applied')];
    case 429:
      return [HttpErrors.rateLimited('Too many attempts from this address; retry in 1 minute')];
    case 503:
      return [HttpErrors.databaseUnavailable('The database did not answer or the connection broke; retry in 2 seconds')];
    default:
      return status >= 500 ? [HttpErrors.internal()] : [new AppError('bad_request', status, 'Bad request')];
  }
}

type JsonSchemaLike = { properties?: Record<string, JsonSchemaLike>; required?: string[]; type?: unknown; format?: string };

/** A validation failure this route really answers: a missing body field, or a path or query value of the wrong kind. */
function validationProblem(schema: FastifySchema): AppError {
  const body = schema.body as JsonSchemaLike | undefined;
  let error: { path: string; message: string };
  if (body) {
    const missing = body.required?.[0];
    error = missing ? { path: `/${missing}`, message: 'is required' } : { path: '', message: 'must be object' };
  } else {
    const [part, input] = schema.params ? ['params', schema.params] : ['querystring', schema.querystring];
    const [name, property] = Object.entries((input as JsonSchemaLike).properties ?? {})[0] ?? ['limit', {}];
    error = { path: `${part}/${name}`, message: mismatchOf(property) };
  }
  return HttpErrors.validationFailed(`${error.path || 'body'} ${error.message}`, [error]);
}

function mismatchOf(property: JsonSchemaLike): string {
  if (property.format) return `must match format "${property.format}"`;
  if (property.type === 'integer') return 'must be integer';
  return 'is invalid';
}
