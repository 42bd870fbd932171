import { Type, type TSchema } from 'typebox';
import { DEFAULT_PAGE_SIZE } from './pagination.js';

/** Shared TypeBox pieces: the wire shapes every feature reuses. */

export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export const Timestamp = (description?: string) =>
  Type.String({ format: 'date-time', examples: ['2026-11-27T09:30:00.000Z'], ...(description ? { description } : {}) });

/** A UUID in its canonical form, any case: what PostgreSQL's uuid type takes without a 500. */
export const UUID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
const uuid = new RegExp(UUID_PATTERN);
export const isUuid = (text: string): boolean => uuid.test(text);

/**
 * A UUID in its canonical form. ajv's `uuid` format alone also accepts a `urn:uuid:`
 * prefix, which PostgreSQL's uuid type refuses (a 500): the pattern keeps those out.
 */
export const Uuid = (description: string, example = '72c9c71b-98dc-4606-826f-bb2784d68446') =>
  Type.String({
    format: 'uuid',
    pattern: UUID_PATTERN,
    description,
    examples: [example],
  });

export const UserId = Uuid('User id (UUID)');

export const AppId = Type.Integer({ minimum: 1, maximum: 2_147_483_647, description: 'App id', examples: [1] });

/** Text that fits one line: no control characters (NUL and friends are refused earlier too). */
export const SingleLine = (options: { minLength?: number; maxLength: number; description?: string; examples?: string[] }) =>
  Type.String({ pattern: '^[^\\u0000-\\u001f\\u007f]*$', ...options });

/**
 * RFC 9457 problem details, the body of every error answer. Registered once as the shared
 * schema `Problem`: the API document references it from every error response (see
 * route-docs.ts), so routes that spread it into `response` only give the description.
 */
export const ProblemSchema = Type.Object(
  {
    type: Type.String({ description: '`urn:sentinel:problem:<code>`: branch on this, it is stable across versions' }),
    title: Type.String({ description: 'Short summary of the problem type' }),
    status: Type.Integer({ minimum: 400, maximum: 599, description: 'The HTTP status code' }),
    detail: Type.String({ description: 'What went wrong with this request, for people' }),
    errors: Type.Optional(
      Type.Array(
        Type.Object({
          path: Type.String({ description: 'JSON pointer into the body, or `querystring/<name>`, `params/<name>`' }),
          message: Type.String(),
        }),
        { description: 'One entry per invalid field' },
      ),
    ),
  },
  { title: 'Problem', description: 'RFC 9457 problem details (Content-Type: application/problem+json)' },
);

export const PROBLEM_SCHEMA_ID = 'Problem';

/** The response headers Sentinel sends, as the API document describes them. */
export const ResponseHeaders = {
  ETag: Type.String({
    description: "The profile's version, quoted (a strong validator): send it back in If-Match or If-None-Match",
    examples: ['"3"'],
  }),
  Location: Type.String({
    description: 'Path of the created resource',
    examples: ['/user/profiles/1/0b6f3c1e-6d0a-4f57-9a3e-2f4f7c9d8e21'],
  }),
  'Retry-After': Type.Integer({ minimum: 1, description: 'Seconds to wait before trying again', examples: [60] }),
  'WWW-Authenticate': Type.String({
    description:
      'The challenge (RFC 9110 11.6.1): `Bearer`, or `Bearer error="invalid_token", error_description="..."` (RFC 6750) on bearer routes; `ApiKey header="X-API-KEY"` when the X-API-KEY is missing or invalid',
    examples: ['Bearer error="invalid_token", error_description="The access token has expired; refresh it or log in again"'],
  }),
  'Content-Disposition': Type.String({
    description: 'Names the download',
    examples: ['attachment; filename="sentinel-export-72c9c71b-98dc-4606-826f-bb2784d68446.json"'],
  }),
};

/**
 * A response schema that also documents the headers the route sends with it. Fastify
 * ignores `headers` when serializing; @fastify/swagger turns it into the response's headers.
 */
export function withHeaders<T extends TSchema>(schema: T, ...names: (keyof typeof ResponseHeaders)[]): T {
  return { ...schema, headers: Object.fromEntries(names.map((name) => [name, ResponseHeaders[name]])) };
}

export const MessageSchema = Type.Object({ message: Type.String({ examples: ['Done'] }) }, { title: 'Message' });

export const PageQuery = {
  limit: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: 1000,
      default: DEFAULT_PAGE_SIZE,
      description: `Page size (default ${DEFAULT_PAGE_SIZE}, at most 1000)`,
    }),
  ),
  cursor: Type.Optional(Type.String({ maxLength: 512, description: "Opaque cursor from the previous page's next_cursor" })),
};

export const NextCursor = Nullable(Type.String({ description: 'Pass as cursor to get the next page; null on the last page' }));
