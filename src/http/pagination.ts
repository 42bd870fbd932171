import { HttpErrors } from './errors.js';

/**
 * Keyset pagination: the cursor is the last row's sort key, base64url-encoded JSON.
 * Opaque to clients, so the key's shape may change without breaking them.
 */
export function encodeCursor(key: unknown[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

export function decodeCursor(cursor: string | undefined, shape: readonly ('string' | 'number')[]): unknown[] | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    key = undefined;
  }
  if (!Array.isArray(key) || key.length !== shape.length || key.some((part, i) => !fits(part, shape[i]!))) {
    throw HttpErrors.validationFailed('cursor is not one this server gave out', [
      { path: 'querystring/cursor', message: 'is not a valid cursor' },
    ]);
  }
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
