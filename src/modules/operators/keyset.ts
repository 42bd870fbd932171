import { sql, type AnyColumn, type SQL } from 'drizzle-orm';
import { invalidCursor, readPage, type PageRequest } from '../../http/pagination.js';
import { isUuid } from '../../http/schemas.js';

/**
 * Keyset pagination on (timestamp, uuid), newest first. The timestamp travels as text with
 * microseconds: a JavaScript Date keeps only milliseconds, and rows created within the
 * same millisecond would otherwise be skipped or repeated across pages.
 */
export interface TimeKey {
  at: string;
  id: string;
}

const MICROS_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

/** The column as `YYYY-MM-DDTHH:MM:SS.ffffffZ`, whatever the session's TimeZone and DateStyle. */
export function microsUtc(column: AnyColumn): SQL<string> {
  return sql<string>`to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
}

/** Rows strictly after `key` in (column DESC, id DESC) order. */
export function olderThan(column: AnyColumn, idColumn: AnyColumn, key: TimeKey): SQL {
  return sql`(${column}, ${idColumn}) < (${key.at}::timestamptz, ${key.id}::uuid)`;
}

/** readPage for (timestamp, uuid) keys. */
export function readTimePage(query: { limit?: number | undefined; cursor?: string | undefined }): PageRequest<TimeKey> {
  const { limit, after } = readPage(query, ['string', 'string']);
  if (!after) return { limit, after: undefined };
  const [at, id] = after;
  // The parts reach SQL casts: anything but the shapes handed out would be a 500.
  if (!MICROS_UTC.test(at) || !isRealTime(at) || !isUuid(id)) throw invalidCursor();
  return { limit, after: { at, id } };
}

/** Rejects what matches the pattern but names no instant PostgreSQL accepts (month 13, February 31, 24:00). */
function isRealTime(at: string): boolean {
  const time = new Date(at);
  return !Number.isNaN(time.getTime()) && time.toISOString().slice(0, 19) === at.slice(0, 19);
}

export const keyOf = (row: { key: TimeKey }) => [row.key.at, row.key.id];
