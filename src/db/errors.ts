/** SQLSTATE codes Sentinel reacts to. PGlite reports the same codes as a PostgreSQL server. */
export const UNIQUE_VIOLATION = '23505';
export const FOREIGN_KEY_VIOLATION = '23503';

export interface DatabaseErrorInfo {
  code: string;
  message: string;
  constraint?: string;
}

/**
 * The PostgreSQL error behind a failure, if there is one. Drizzle wraps driver errors in
 * a DrizzleQueryError whose message carries the query parameters, so callers must log
 * this instead of the wrapper.
 */
export function databaseErrorOf(error: unknown): DatabaseErrorInfo | undefined {
  for (let current = error, depth = 0; current && depth < 5; current = (current as { cause?: unknown }).cause, depth++) {
    const candidate = current as { code?: unknown; message?: unknown; constraint?: unknown };
    if (typeof candidate.code === 'string' && /^[0-9A-Z]{5}$/.test(candidate.code)) {
      return {
        code: candidate.code,
        message: String(candidate.message ?? ''),
        ...(typeof candidate.constraint === 'string' ? { constraint: candidate.constraint } : {}),
      };
    }
  }
  return undefined;
}

export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const info = databaseErrorOf(error);
  return info?.code === UNIQUE_VIOLATION && (constraint === undefined || info.constraint === constraint);
}
