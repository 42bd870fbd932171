import { HttpErrors, type AppError } from './errors.js';

/** Rows a page holds when the request does not say (PageQuery's default). */
export const DEFAULT_PAGE_SIZE = 50;

type CursorPart = 'string' | 'number';
type KeyOf<S extends readonly CursorPart[]> = { -readonly [I in keyof S]: S[I] extends 'number' ? number : string };

/** What a paginated request asks for: how many rows, after which one. */
export interface PageRequest<K> {
  limit: number;
  /** The sort key of the last row of the previous page; undefined for the first page. */
  after: K | undefined;
}

/**
 * The page a request's `limit` and `cursor` ask for (PageQuery in http/schemas.ts): `limit`
 * rows (DEFAULT_PAGE_SIZE when absent) after the row whose key the cursor holds, in `shape`.
 * A cursor this server did not hand out is 400.
 */
export function readPage<const S extends readonly CursorPart[]>(
  query: { limit?: number | undefined; cursor?: string | undefined },
  shape: S,
): PageRequest<KeyOf<S>> {
  return { limit: query.limit ?? DEFAULT_PAGE_SIZE, after: decodeCursor(query.cursor, shape) as KeyOf<S> | undefined };
}

/** The answer to a cursor whose key is not one a page ended on. */
export function invalidCursor(): AppError {
  return HttpErrors.validationFailed('cursor is not one this server gave out', [
    { path: 'querystring/cursor', message: 'is not a valid cursor' },
  ]);
}

/**
 * Keyset pagination: the cursor is the last row's sort key, base64url-encoded JSON.
 * Opaque to clients, so the key's shape may change without breaking them.
 */
export function encodeCursor(key: unknown[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

function decodeCursor(cursor: string | undefined, shape: readonly ('string' | 'number')[]): unknown[] | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    key = undefined;
  }
  if (!Array.isArray(key) || key.length !== shape.length || key.some((part, i) => !fits(part, shape[i]!))) throw invalidCursor();
  return key;
}

/** Numbers in cursors are row ids and sequence numbers: whole and not negative. */
function fits(part: unknown, kind: 'string' | 'number'): boolean {
  return kind === 'number' ? Number.isSafeInteger(part) && (part as number) >= 0 : typeof part === 'string';
}

/** Fetch limit + 1 rows; this trims the extra one and says where the next page starts. */
export function page<T>(rows: T[], limit: number, keyOf: (row: T) => unknown[]): { items: T[]; nextCursor: string | null } {
  if (rows.length <= limit) return { items: rows, nextCursor: null };
  const items = rows.slice(0, limit);
  return { items, nextCursor: encodeCursor(keyOf(items[items.length - 1]!)) };
}
