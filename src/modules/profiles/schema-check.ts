import type { FieldError } from '../../http/errors.js';
import type { AppsRepository } from '../apps/apps-repository.js';
import { noSuchApp } from '../apps/errors.js';
import type { ProfileDataSchemas } from '../apps/profile-schemas.js';
import type { ProfilesRepository } from './profiles-repository.js';

/** Profiles read per query: at most this many times the profile size limit is held at once. */
const ROWS_PER_READ = 100;

/** Failing profiles described per page; the rest are only counted. */
export const MAX_FAILURES_SHOWN = 20;

export interface SchemaCheckFailure {
  profileId: string;
  userId: string;
  errors: FieldError[];
}

export interface SchemaCheckPage {
  checked: number;
  failing: number;
  /** The first MAX_FAILURES_SHOWN failing profiles of the page. */
  failures: SchemaCheckFailure[];
  /** The seq of the last profile checked, where the next page starts; undefined when none remain. */
  nextSeq: number | undefined;
}

/**
 * Checks an app's existing profiles against a schema an operator is about to set (setting one
 * never re-checks them, and a profile that no longer passes fails its next write). A page at a
 * time, in creation order, so an app with millions of profiles is checked in bounded memory
 * and no request holds the process for long.
 */
export class ProfileSchemaCheck {
  constructor(
    private readonly deps: {
      profiles: Pick<ProfilesRepository, 'search'>;
      apps: Pick<AppsRepository, 'schemaStateOf'>;
      schemas: Pick<ProfileDataSchemas, 'candidateValidator'>;
    },
  ) {}

  async check(appId: number, schema: unknown, afterSeq: number, limit: number): Promise<SchemaCheckPage> {
    if (!(await this.deps.apps.schemaStateOf(appId))) throw noSuchApp(appId);
    const validate = this.deps.schemas.candidateValidator(schema);
    const page: SchemaCheckPage = { checked: 0, failing: 0, failures: [], nextSeq: undefined };
    let last = afterSeq;
    while (page.checked < limit) {
      const wanted = Math.min(ROWS_PER_READ, limit - page.checked);
      const rows = await this.deps.profiles.search({ appId, afterSeq: last, limit: wanted + 1 });
      for (const row of rows.slice(0, wanted)) {
        const errors = validate(row.profileData, '/profile_data');
        page.checked += 1;
        last = row.seq;
        if (errors.length === 0) continue;
        page.failing += 1;
        if (page.failures.length < MAX_FAILURES_SHOWN) page.failures.push({ profileId: row.id, userId: row.userId, errors });
      }
      if (rows.length <= wanted) return page;
    }
    page.nextSeq = last;
    return page;
  }
}
