import { findUnfaithfulNumber } from '../../http/json-numbers.js';
import { findUnstorableText } from '../../http/validation.js';
import type { AppsRepository } from '../apps/apps-repository.js';
import { noSuchApp } from '../apps/errors.js';
import { ProfileErrors } from './errors.js';
import { nestingDepth } from '../../json-depth.js';
import { MAX_PROFILE_DEPTH } from './json-limits.js';
import type { ProfilesRepository } from './profiles-repository.js';
import type { ProfileRecord } from './schemas.js';

export interface SearchFilter {
  appId: number;
  /** URL-decoded JSON text, as it came in the query string. */
  contains?: string | undefined;
  userId?: string | undefined;
  afterSeq: number;
  limit: number;
}

/** Operator search of one app's profiles by JSON containment (`profile_data @> contains`). */
export class ProfileSearch {
  constructor(private readonly deps: { profiles: Pick<ProfilesRepository, 'search'>; apps: Pick<AppsRepository, 'schemaStateOf'> }) {}

  async search(filter: SearchFilter): Promise<ProfileRecord[]> {
    const contains = filter.contains === undefined ? undefined : containmentText(filter.contains);
    if (!(await this.deps.apps.schemaStateOf(filter.appId))) throw noSuchApp(filter.appId);
    return this.deps.profiles.search({ ...filter, contains, userId: filter.userId?.toLowerCase() });
  }
}

/**
 * Parses the filter in JavaScript and hands PostgreSQL a re-serialized copy: escapes such as
 * \u0000 that JSON allows but jsonb refuses are caught here as a 400, not a database error.
 */
function containmentText(raw: string): string {
  const invalid = (message: string) => ProfileErrors.invalidContains(`contains ${message}`, [{ path: 'querystring/contains', message }]);
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw invalid('is not valid JSON (URL-encode it, e.g. contains=%7B%22plan%22%3A%22pro%22%7D)');
  }
  const unstorable = findUnstorableText(value, 'querystring/contains') ?? findUnfaithfulNumber(raw, 'querystring/contains');
  if (unstorable) throw invalid(unstorable.message);
  if (nestingDepth(value, MAX_PROFILE_DEPTH) > MAX_PROFILE_DEPTH) throw invalid(`nests more than ${MAX_PROFILE_DEPTH} levels`);
  return JSON.stringify(value);
}
