import { Type, type TSchema } from 'typebox';

/** Shared TypeBox pieces: the wire shapes every feature reuses. */

export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export const Timestamp = (description?: string) =>
  Type.String({ format: 'date-time', examples: ['2026-11-27T09:30:00.000Z'], ...(description ? { description } : {}) });

/**
 * A UUID in its canonical form. ajv's `uuid` format alone also accepts a `urn:uuid:`
 * prefix, which PostgreSQL's uuid type refuses (a 500): the pattern keeps those out.
 */
export const Uuid = (description: string, example = '72c9c71b-98dc-4606-826f-bb2784d68446') =>
  Type.String({
    format: 'uuid',
    pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$',
    description,
    examples: [example],
  });

export const UserId = Uuid('User id (UUID)');

export const AppId = Type.Integer({ minimum: 1, maximum: 2_147_483_647, description: 'App id', examples: [1] });

/** Text that fits one line: no control characters (NUL and friends are refused earlier too). */
export const SingleLine = (options: { minLength?: number; maxLength: number; description?: string; examples?: string[] }) =>
  Type.String({ pattern: '^[^\\u0000-\\u001f\\u007f]*$', ...options });

export const ProblemSchema = Type.Object(
  {
    type: Type.String({ examples: ['urn:sentinel:problem:validation_failed'] }),
    title: Type.String({ examples: ['The request is not valid'] }),
    status: Type.Integer({ examples: [400] }),
    detail: Type.String({ examples: ['/user_info/email must match format "email"'] }),
    errors: Type.Optional(
      Type.Array(
        Type.Object({
          path: Type.String({ examples: ['/user_info/email'] }),
          message: Type.String({ examples: ['must match format "email"'] }),
        }),
      ),
    ),
  },
  { title: 'Problem', description: 'RFC 9457 problem details (Content-Type: application/problem+json)' },
);

export const MessageSchema = Type.Object({ message: Type.String({ examples: ['Done'] }) }, { title: 'Message' });

export const PageQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 50, description: 'Page size (default 50, at most 1000)' })),
  cursor: Type.Optional(Type.String({ maxLength: 512, description: "Opaque cursor from the previous page's next_cursor" })),
};

export const NextCursor = Nullable(Type.String({ description: 'Pass as cursor to get the next page; null on the last page' }));
