import { is } from 'drizzle-orm';
import { getTableConfig, PgTable } from 'drizzle-orm/pg-core';
import * as schema from './schema.js';

/**
 * SQLSTATE codes Sentinel reacts to. PGlite reports the same codes as a PostgreSQL server,
 * but for one: a delete blocked by ON DELETE RESTRICT is 23001 from PostgreSQL 18 (PGlite is
 * 18), and 23503, like every other foreign key violation, before.
 */
export const UNIQUE_VIOLATION = '23505';
export const FOREIGN_KEY_VIOLATION = '23503';
export const RESTRICT_VIOLATION = '23001';

export interface DatabaseErrorInfo {
  code: string;
  message: string;
  constraint?: string;
  /** PostgreSQL's DETAIL line: `Key (id)=(5) is still referenced from table "profiles".` */
  detail?: string;
}

/**
 * A violated named constraint, as the API tells of it: a unique value already taken; a row
 * written that points at one that is gone (`missing`); or a row deleted that is still pointed
 * at (`still_referenced`), with its key when PostgreSQL names it.
 */
export type ConstraintViolation =
  { kind: 'unique'; constraint: string } | { kind: 'missing' | 'still_referenced'; constraint: string; key: string | undefined };

/** Each foreign key's referencing columns as PostgreSQL lists them in a DETAIL (`app_id`), by constraint name. */
const referencingColumns = new Map(
  (Object.values(schema) as unknown[])
    .filter((table): table is PgTable => is(table, PgTable))
    .flatMap((table) => getTableConfig(table).foreignKeys)
    .map(
      (key) =>
        [
          key.getName(),
          key
            .reference()
            .columns.map((column) => column.name)
            .join(', '),
        ] as const,
    ),
);

export function constraintViolationOf(error: unknown): ConstraintViolation | undefined {
  const info = databaseErrorOf(error);
  if (!info?.constraint) return undefined;
  const { code, constraint } = info;
  if (code === UNIQUE_VIOLATION) return { kind: 'unique', constraint };
  if (code !== FOREIGN_KEY_VIOLATION && code !== RESTRICT_VIOLATION) return undefined;
  // Both sides of a key are 23503 before PostgreSQL 18; the DETAIL tells them apart by the columns it
  // names (`Key (app_id)=(5) is not present` writing, `Key (id)=(5) is still referenced` deleting),
  // which stay as they are in every translation of the message.
  const [, columns, key] = /\(([^)]*)\)=\(([^)]*)\)/.exec(info.detail ?? '') ?? [];
  const deleting = code === RESTRICT_VIOLATION || (columns !== undefined && columns !== referencingColumns.get(constraint));
  return deleting ? { kind: 'still_referenced', constraint, key } : { kind: 'missing', constraint, key };
}

/**
 * The PostgreSQL error behind a failure, if there is one. Drizzle wraps driver errors in
 * a DrizzleQueryError whose message carries the query parameters, so callers must log
 * this instead of the wrapper.
 */
export function databaseErrorOf(error: unknown): DatabaseErrorInfo | undefined {
  for (let current = error, depth = 0; current && depth < 5; current = (current as { cause?: unknown }).cause, depth++) {
    const candidate = current as { code?: unknown; message?: unknown; constraint?: unknown; detail?: unknown };
    if (typeof candidate.code === 'string' && /^[0-9A-Z]{5}$/.test(candidate.code)) {
      return {
        code: candidate.code,
        message: String(candidate.message ?? ''),
        ...(typeof candidate.constraint === 'string' ? { constraint: candidate.constraint } : {}),
        ...(typeof candidate.detail === 'string' ? { detail: candidate.detail } : {}),
      };
    }
  }
  return undefined;
}

/**
 * SQLSTATEs that say the connection failed, not the statement: class 08 (connection
 * exception), 57P01-57P03 (server shutting down or starting up), 53300 (too many connections).
 */
const CONNECTION_SQLSTATE = /^(08[0-9A-Z]{3}|57P0[1-3]|53300)$/;
/** Socket errors on the way to the server. */
const CONNECTION_ERRNOS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
/** node-postgres raises these without a code: a dropped socket, a connect or pool-wait timeout, a client already broken. */
const CONNECTION_MESSAGE =
  /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Client was closed and is not queryable|timeout expired)/;

/**
 * True when a failure means the database could not be reached or the connection broke,
 * so that retrying later can succeed: the request gets a 503, not a 500.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  return unavailableReason(error) !== undefined;
}

/**
 * The driver's own words for a connection failure (`terminating connection due to
 * administrator command`), or undefined for any other error. Never a Drizzle wrapper's
 * message: that one lists the query's parameters.
 */
export function unavailableReason(error: unknown): string | undefined {
  for (const current of errorChain(error)) {
    const { code, message } = current as { code?: unknown; message?: unknown };
    const text = typeof message === 'string' ? message : '';
    if (typeof code === 'string' && (CONNECTION_SQLSTATE.test(code) || CONNECTION_ERRNOS.has(code))) return text || code;
    if (CONNECTION_MESSAGE.test(text)) return text;
  }
  return undefined;
}

/** An error, its causes, and the errors inside an AggregateError (a host with several addresses). */
function errorChain(error: unknown, depth = 0): object[] {
  if (!error || typeof error !== 'object' || depth > 5) return [];
  const { cause, errors } = error as { cause?: unknown; errors?: unknown };
  const inner = Array.isArray(errors) ? errors.flatMap((each) => errorChain(each, depth + 1)) : [];
  return [error, ...errorChain(cause, depth + 1), ...inner];
}

/** PostgreSQL could not be reached at start; the message is one line, without the password. */
export class DatabaseUnreachableError extends Error {
  override name = 'DatabaseUnreachableError';
}

/** One line saying why connecting to `url` failed, naming the server but never the password. */
export function describeConnectionFailure(url: string, error: unknown, connectTimeoutMs: number): string {
  const server = serverOf(url);
  const chain = errorChain(error) as { code?: unknown; message?: unknown }[];
  const codes = chain.map((each) => each.code).filter((code): code is string => typeof code === 'string');
  const database = databaseErrorOf(error);
  if (database?.code === '28P01' || database?.code === '28000') return `PostgreSQL at ${server} refused the login: ${database.message}`;
  if (database) return `PostgreSQL at ${server} refused the connection: ${database.message}`;
  if (codes.includes('ECONNREFUSED')) return `cannot connect to PostgreSQL at ${server}: connection refused (is the server running?)`;
  if (codes.includes('ENOTFOUND') || codes.includes('EAI_AGAIN')) return `cannot connect to PostgreSQL at ${server}: unknown host`;
  if (chain.some((each) => typeof each.message === 'string' && /timeout/i.test(each.message))) {
    return `cannot connect to PostgreSQL at ${server}: no answer within ${connectTimeoutMs / 1000} s`;
  }
  const first = chain.find((each) => typeof each.message === 'string' && each.message !== '');
  return `cannot connect to PostgreSQL at ${server}: ${String(first?.message ?? codes[0] ?? 'unknown error')}`;
}

function serverOf(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname || 'localhost'}:${parsed.port || '5432'}${parsed.pathname.length > 1 ? parsed.pathname : ''}`;
  } catch {
    return 'DATABASE_URL';
  }
}
